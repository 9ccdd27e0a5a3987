package io.elbo.cli;

import io.elbo.autodiff.backend.Threads;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options several commands share, each a picocli mixin declared once. */
final class SharedOptions {
    private SharedOptions() {}

    /** {@code --seed}: the seed of a command's random generators. */
    static final class Seed {
        @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "seed of the random generators")
        long value;
    }

    /** {@code --threads}: how many threads the kernels use; results do not depend on it. */
    static final class KernelThreads {
        @Option(names = "--threads", paramLabel = "N", description = {"kernel threads; results do not depend on it", "  Default: the machine's cores"})
        Integer value;

        /** Applies the option when given; fewer than 1 is a usage error of {@code command}. */
        void apply(CommandSpec command) {
            if (value == null) return;
            if (value < 1) throw new ParameterException(command.commandLine(), "--threads must be at least 1, got " + value);
            Threads.set(value);
        }
    }

    /** What {@code --data} names, the same for every command (each says its own use and default beside it). */
    static final String SAMPLE_OR_DIR = "'sample' or a DIR of IDX files", IDX_FILES = "  (train-images-idx3-ubyte[.gz], t10k-...)";

    /** {@code --data} of {@code vae train}: the images to train and test on. */
    static final class DataSource {
        @Option(names = "--data", paramLabel = "DIR|sample", description = {"training images: " + SAMPLE_OR_DIR, IDX_FILES,
                "  with --spark also a Parquet set (vae parquet's), a directory or a URI (hdfs://, s3a://, file://)",
                "  Default: Debian's Fashion-MNIST when installed, else the sample"})
        String value;
    }

    /** {@code --data} of the commands on a trained run: where its test images come from. */
    static final class RunData {
        @Option(names = "--data", paramLabel = "DIR|sample", description = {"test images: " + SAMPLE_OR_DIR, IDX_FILES,
                "  Default: the run's own data"})
        String value;
    }

    /** {@code --data} of {@code vae import}: the data the new run records (which eval, plot, ... then read). */
    static final class ImportData {
        @Option(names = "--data", paramLabel = "DIR|sample", description = {"the new run's data: " + SAMPLE_OR_DIR, IDX_FILES, "  Default: the file's own (its run metadata), else Debian's Fashion-MNIST when installed, else the sample"})
        String value;
    }

    /** {@code --data} of {@code vae parquet}: the IDX images to convert. */
    static final class ParquetData {
        @Option(names = "--data", paramLabel = "DIR|sample", description = {"images to convert: " + SAMPLE_OR_DIR, IDX_FILES,
                "  Default: Debian's Fashion-MNIST when installed, else the sample"})
        String value;
    }
}

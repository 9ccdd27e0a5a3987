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

    /** {@code --data}: where the images come from. */
    static final class DataSource {
        @Option(names = "--data", paramLabel = "DIR|sample", description = {"IDX files (train-images-idx3-ubyte[.gz], t10k-...) in DIR,"
                + " or 'sample' for the embedded sample; for train --spark also a Parquet set (vae parquet's), a directory or a URI"
                + " (hdfs://, s3a://, file://)", "  Default: the run's own data; for train, Debian's Fashion-MNIST when installed,"
                + " else the sample"})
        String value;
    }
}

package io.elbo.cli;

import io.elbo.autodiff.Threads;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What every command on a trained model takes: the run (directory or checkpoint), data and threads. */
final class RunArgument {
    @Parameters(index = "0", paramLabel = "RUN", description = "a run directory of vae train, or its checkpoint.safetensors")
    Path run;

    @Option(names = "--data", paramLabel = "DIR|sample", description = "read test images from here instead of the run's data")
    String data;

    @Option(names = "--threads", paramLabel = "N", description = "kernel threads (default: the machine's cores)")
    Integer threads;

    Runs.Loaded open() {
        if (threads != null) {
            if (threads < 1) throw new CliException("--threads must be at least 1, got " + threads);
            Threads.set(threads);
        }
        return Runs.open(run);
    }

    /** The run's test images, preprocessed as in training. */
    io.elbo.vae.data.Dataset testImages(Runs.Loaded m, java.io.PrintWriter out) {
        Data d = Data.load(data != null ? Data.resolve(data) : m.config().data());
        out.println("data: " + d.description());
        if (d.test().rows() != m.config().rows() || d.test().cols() != m.config().cols()) {
            throw new CliException(d.source() + ": images are " + d.test().rows() + "×" + d.test().cols() + ", the model expects "
                    + m.config().rows() + "×" + m.config().cols());
        }
        return Data.Pixels.parse(m.config().pixels()).test(d.test());
    }
}

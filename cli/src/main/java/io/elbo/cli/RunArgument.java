package io.elbo.cli;

import io.elbo.autodiff.backend.Threads;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** What every command on a trained model takes: the run (directory or checkpoint), data and threads. */
final class RunArgument {
    @Parameters(index = "0", paramLabel = "RUN", description = "a run directory of vae train, or its checkpoint.safetensors")
    Path run;

    @Option(names = "--data", paramLabel = "DIR|sample", description = "read test images from here instead of the run's data")
    String data;

    @Option(names = "--threads", paramLabel = "N", description = "kernel threads (default: the machine's cores)")
    Integer threads;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    Runs.Loaded open() {
        setThreads(threads, command);
        return Runs.open(run);
    }

    /** Applies {@code --threads} when given; fewer than 1 is a usage error. */
    static void setThreads(Integer threads, CommandSpec command) {
        if (threads == null) return;
        if (threads < 1) throw new ParameterException(command.commandLine(), "--threads must be at least 1, got " + threads);
        Threads.set(threads);
    }

    /** The run's test images, preprocessed as in training. */
    io.elbo.vae.data.Dataset testImages(Runs.Loaded m, java.io.PrintWriter out) {
        Data d = Data.load(data != null ? Data.resolve(data) : m.config().data()).requireSize(m.config().rows(), m.config().cols());
        out.println("data: " + d.description());
        return Data.Pixels.parse(m.config().pixels()).test(d.test());
    }
}

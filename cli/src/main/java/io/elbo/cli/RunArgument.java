package io.elbo.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** What every command on a trained model takes: the run (directory or checkpoint), data and threads. */
final class RunArgument {
    @Parameters(index = "0", paramLabel = "RUN", description = "a run directory of vae train, or its checkpoint.safetensors")
    Path run;

    @Mixin
    SharedOptions.DataSource data;

    @Mixin
    SharedOptions.KernelThreads threads;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    Runs.Loaded open() {
        threads.apply(command);
        return Runs.open(run);
    }

    /** The run's test images, preprocessed as in training. */
    io.elbo.vae.data.Dataset testImages(Runs.Loaded m, java.io.PrintWriter out) {
        Data d = Data.load(data.value != null ? Data.resolve(data.value) : m.config().data()).requireSize(m.config().rows(), m.config().cols());
        out.println("data: " + d.description());
        return Data.Pixels.parse(m.config().pixels()).test(d.test());
    }
}

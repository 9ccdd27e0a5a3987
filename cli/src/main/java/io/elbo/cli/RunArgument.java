package io.elbo.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** What every command on a trained model takes: the run (directory or checkpoint) and the threads. */
final class RunArgument {
    @Parameters(index = "0", paramLabel = "RUN", description = "a run directory, or the checkpoint file in one")
    Path run;

    @Mixin
    SharedOptions.KernelThreads threads;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The directory of the run: RUN, or the directory of the checkpoint file RUN names. */
    Path directory() {
        return java.nio.file.Files.isDirectory(run) ? run : run.toAbsolutePath().getParent();
    }

    /**
     * Where a command's picture goes: {@code output} when given, else {@code name} in the run's directory
     * (a unique temporary name, then moved into place: safe beside a training process).
     */
    Path output(Path output, String name) {
        return output != null ? output : directory().resolve(name);
    }

    Runs.Loaded open() {
        threads.apply(command);
        return Runs.open(run);
    }

    /** The run's test images (or those of {@code data}, when given), preprocessed as in training. */
    io.elbo.vae.data.Dataset testImages(Runs.Loaded m, SharedOptions.RunData data, java.io.PrintWriter out) {
        return testImages(m, data(m, data, out));
    }

    /** The run's data (or {@code data}, when given), of the run's image size; says which on {@code out}. */
    Data data(Runs.Loaded m, SharedOptions.RunData data, java.io.PrintWriter out) {
        Data d = Data.loadTest(data.value != null ? Data.resolve(data.value) : m.config().data()).requireSize(m.config().rows(), m.config().cols());
        out.print(Text.wrap("data: ", d.description()));
        return d;
    }

    /** The test images of {@code d}, preprocessed as in training. */
    static io.elbo.vae.data.Dataset testImages(Runs.Loaded m, Data d) {
        return m.config().pixels().test(d.test());
    }
}

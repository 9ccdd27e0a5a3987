package io.elbo.cli;

import io.elbo.autodiff.Tape;
import io.elbo.vae.data.Dataset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vae reconstruct}: test images above their reconstructions, the means of p(x | z = μ(x)). */
@Command(name = "reconstruct", mixinStandardHelpOptions = true, showDefaultValues = true, abbreviateSynopsis = true, sortOptions = false,
        description = "Write test images (odd rows) above their reconstructions (even rows) as a PNG grid.")
final class ReconstructCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunArgument run;

    @Mixin
    SharedOptions.RunData data;

    @Option(names = "-n", defaultValue = "16", paramLabel = "N", description = "number of test images, 1 to 1024")
    int n;

    @Option(names = "--first", defaultValue = "0", paramLabel = "INDEX", description = "index of the first test image")
    int first;

    @Option(names = {"-o", "--output"}, paramLabel = "PNG", description = {"the picture to write", "  Default: reconstructions.png in the run directory"})
    Path output;

    @Override
    public Integer call() {
        if (n < 1 || n > 1024) throw new ParameterException(spec.commandLine(), "-n must be between 1 and 1024, got " + n);
        if (output != null) Outputs.file(output);
        Runs.Loaded m = run.open();
        Dataset test = run.testImages(m, data, spec.commandLine().getOut());
        if (first < 0 || (long) first + n > test.count()) {
            throw new ParameterException(spec.commandLine(), "images " + first + " to " + ((long) first + n - 1) + " are outside the "
                    + test.count() + " test images");
        }
        float[] orig, recon;
        try (var off = Tape.noGrad()) {
            var x = test.batch(first, first + n, m.config().dtype());
            orig = x.toFloatArray();
            recon = m.vae().reconstruct(x).toFloatArray();
        }
        Path written = run.output(output, "reconstructions.png");
        Pictures.writePng(Pictures.originalsAboveReconstructions(orig, recon, n, first, m.config().rows(), m.config().cols(), Runs.what(m)), written);
        spec.commandLine().getOut().print(Text.wrap("wrote ", (n == 1 ? "test image " + first + " and its reconstruction"
                : "test images " + first + ".." + (first + n - 1) + " and their reconstructions") + " to " + written));
        return 0;
    }
}

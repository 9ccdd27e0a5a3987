package io.elbo.cli;

import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae interpolate}: decodes z(t) = (1 − t)·μ(a) + t·μ(b) for t evenly spaced in [0, 1], between the
 * codes of two test images, and writes image a, the path, and image b in one row.
 */
@Command(name = "interpolate", mixinStandardHelpOptions = true, showDefaultValues = true, abbreviateSynopsis = true, sortOptions = false,
        description = "Walk the latent space in a straight line between two test images; write the decoded path as a PNG row.")
final class InterpolateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunArgument run;

    @Mixin
    SharedOptions.RunData data;

    @Option(names = "--from", defaultValue = "0", paramLabel = "INDEX", description = "index of the first test image")
    int from;

    @Option(names = "--to", defaultValue = "1", paramLabel = "INDEX", description = "index of the second test image")
    int to;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "N", description = "decoded points along the line, 2 to 100")
    int steps;

    @Option(names = {"-o", "--output"}, paramLabel = "PNG", description = {"the picture to write", "  Default: interpolation.png in the run directory"})
    Path output;

    @Override
    public Integer call() {
        if (steps < 2 || steps > 100) throw new ParameterException(spec.commandLine(), "--steps must be between 2 and 100, got " + steps);
        if (output != null) Outputs.file(output);
        Runs.Loaded m = run.open();
        Dataset test = run.testImages(m, data, spec.commandLine().getOut());
        for (int i : new int[] {from, to}) {
            if (i < 0 || i >= test.count()) {
                throw new ParameterException(spec.commandLine(), "test image " + i + " does not exist (0 to " + (test.count() - 1) + ")");
            }
        }
        VAE vae = m.vae();
        int d = test.dim(), k = m.config().latent();
        float[] row = new float[(steps + 2) * d];
        try (var off = Tape.noGrad()) {
            Tensor x = test.rows(new int[] {from, to}, m.config().dtype());
            double[] mu = vae.encode(x).location().toDoubleArray();
            double[] z = new double[steps * k];
            for (int s = 0; s < steps; s++) {
                double t = (double) s / (steps - 1);
                for (int j = 0; j < k; j++) z[s * k + j] = (1 - t) * mu[j] + t * mu[k + j];
            }
            float[] path = vae.mean(vae.decode(Tensor.fromArray(m.config().dtype(), z, steps, k))).toFloatArray();
            float[] ends = x.toFloatArray();
            System.arraycopy(ends, 0, row, 0, d);
            System.arraycopy(path, 0, row, d, steps * d);
            System.arraycopy(ends, d, row, (steps + 1) * d, d);
        }
        Path written = run.output(output, "interpolation.png");
        Pictures.writePng(Pictures.interpolation(row, steps, m.config().rows(), m.config().cols(), from, to, Runs.what(m)), written);
        spec.commandLine().getOut().print(Text.wrap("wrote ", "test image " + from + ", " + steps + " decoded steps and test image " + to + " to "
                + written));
        return 0;
    }
}

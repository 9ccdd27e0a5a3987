package io.elbo.cli;

import io.elbo.autodiff.Tensor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.commons.rng.simple.RandomSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vae sample}: images decoded from the prior, z ~ N(0, I), as a PNG grid (the means of p(x|z)). */
@Command(name = "sample", mixinStandardHelpOptions = true, showDefaultValues = true, abbreviateSynopsis = true, sortOptions = false,
        description = "Draw images from the model's prior and write them as a PNG grid.")
final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunArgument run;

    @Option(names = "-n", defaultValue = "64", paramLabel = "N", description = "number of images, 1 to 4096")
    int n;

    @Option(names = "--columns", defaultValue = "8", paramLabel = "N", description = "images per row of the grid")
    int columns;

    @Option(names = {"-o", "--output"}, paramLabel = "PNG", description = {"the picture to write", "  Default: samples.png in the run directory"})
    Path output;

    @Mixin
    SharedOptions.Seed seed;

    @Override
    public Integer call() {
        if (n < 1 || n > 4096) throw new ParameterException(spec.commandLine(), "-n must be between 1 and 4096, got " + n);
        if (columns < 1) throw new ParameterException(spec.commandLine(), "--columns must be positive, got " + columns);
        if (output != null) Outputs.file(output);
        Runs.Loaded m = run.open();
        Tensor x = m.vae().sample(n, RandomSource.XO_RO_SHI_RO_128_PP.create(seed.value));
        Path written = run.output(output, "samples.png");
        Pictures.Figure f = new Pictures.Figure(Pictures.grid(x.toFloatArray(), n, m.config().rows(), m.config().cols(), columns),
                Text.count(n, "sample") + ": means of p(x|z), z ~ N(0, I), " + Runs.what(m) + ", seed " + seed.value, 0, 0);
        Pictures.writePng(f.done(), written);
        spec.commandLine().getOut().print(Text.wrap("wrote ", Text.count(n, "sample") + " to " + written));
        return 0;
    }
}

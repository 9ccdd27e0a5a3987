package io.elbo.cli;

import io.elbo.autodiff.Tensor;
import io.elbo.nn.Checkpoint;
import io.elbo.nn.CheckpointException;
import io.elbo.nn.Parameter;
import io.elbo.nn.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vae export}: a trained model's weights alone (no optimiser or generator state), in the dtype it
 * was trained in, with the run configuration in the metadata. With our names the file is itself a
 * checkpoint the other commands read; with {@code --names pytorch-example} the tensors are named as in
 * PyTorch's VAE example ({@code fc1, fc21, fc22, fc3, fc4}) and load into it with {@code load_state_dict}.
 */
@Command(name = "export", mixinStandardHelpOptions = true, showDefaultValues = true, abbreviateSynopsis = true, sortOptions = false,
        description = "Write a trained model's weights, without optimizer or generator state, for Python (python/elbo_vae.py).")
final class ExportCommand implements Callable<Integer> {
    /** Our parameter names of the example's architecture and the example's names for them. */
    static final Map<String, String> PYTORCH_EXAMPLE = Map.of(
            "encoder.0.weight", "fc1.weight", "encoder.0.bias", "fc1.bias",
            "mu.weight", "fc21.weight", "mu.bias", "fc21.bias",
            "logvar.weight", "fc22.weight", "logvar.bias", "fc22.bias",
            "decoder.0.weight", "fc3.weight", "decoder.0.bias", "fc3.bias",
            "decoder.2.weight", "fc4.weight", "decoder.2.bias", "fc4.bias");
    static final String NATIVE = "native", EXAMPLE = "pytorch-example", NAMES = "names";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "a run directory, or the checkpoint file in one")
    Path run;

    @Option(names = "--names", defaultValue = NATIVE, paramLabel = "SCHEME",
            description = {"tensor names: native (model.encoder.0.weight, ...: the file is a checkpoint the other commands read) or "
                    + "pytorch-example (fc1, fc21, fc22, fc3, fc4 of PyTorch's VAE example: one hidden layer, ReLU, Bernoulli)"})
    String names;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = {"the file to write", "  Default: weights.safetensors in the run (weights-pytorch-example.safetensors with"
                    + " --names pytorch-example)"})
    Path output;

    @Override
    public Integer call() {
        String scheme = names.toLowerCase(Locale.ROOT);
        if (!scheme.equals(NATIVE) && !scheme.equals(EXAMPLE)) {
            throw new ParameterException(spec.commandLine(), "--names must be native or pytorch-example, got '" + names + "'");
        }
        Runs.Loaded m = Runs.open(run);
        RunConfig c = m.config();
        if (scheme.equals(EXAMPLE)) requireExampleArchitecture(c, "--names pytorch-example");
        Path dir = Files.isDirectory(run) ? run : m.file().toAbsolutePath().getParent();
        Path file = output != null ? output : dir.resolve(scheme.equals(NATIVE) ? "weights.safetensors" : "weights-pytorch-example.safetensors");
        Outputs.file(file);
        if (file.toAbsolutePath().normalize().equals(m.file().toAbsolutePath().normalize())) {
            throw new CliException(file + " is the run's checkpoint; choose another --output");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Runs.RUN, c.toJson());
        meta.put(NAMES, scheme);
        for (String k : new String[] {Runs.EPOCH, Runs.BATCH, Runs.STEP}) {
            if (m.metadata().containsKey(k)) meta.put(k, m.metadata().get(k));
        }
        Main.doing("writing " + file);
        try {
            if (scheme.equals(NATIVE)) {
                Checkpoint.save(file, m.vae(), null, null, meta);
            } else {
                Map<String, SafeTensors.Entry> entries = new LinkedHashMap<>();
                for (Map.Entry<String, Parameter> p : m.vae().namedParameters().entrySet()) {
                    entries.put(PYTORCH_EXAMPLE.get(p.getKey()), SafeTensors.Entry.of(p.getValue().value()));
                }
                meta.put("format", "pytorch-vae-example");
                SafeTensors.write(file, entries, meta);
            }
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage());
        }
        long params = m.vae().parameterCount();
        Tensor first = m.vae().namedParameters().values().iterator().next().value();
        spec.commandLine().getOut().print(Text.wrap("wrote ", params + " " + first.dtype() + " weights (" + m.vae().namedParameters().size()
                + " tensors, " + scheme + " names) and the run configuration to " + file));
        return 0;
    }

    /** The architecture of PyTorch's VAE example, whose tensor names need it: one hidden layer, ReLU, Bernoulli. */
    static void requireExampleArchitecture(RunConfig c, String what) {
        if (c.conv() || c.hidden().length != 1 || !c.activation().equals("relu") || !c.likelihood().equals("bernoulli")
                || !c.posterior().equals("gaussian") || c.upperLatents().length > 0) {
            throw new CliException(what + " needs the architecture of PyTorch's VAE example (one hidden layer, relu, bernoulli,"
                    + " a Gaussian posterior, one stochastic layer); this model has " + (c.conv() ? "--arch conv" : "--hidden "
                    + java.util.Arrays.toString(c.hidden()).replaceAll("[\\[\\] ]", "")) + ", --latent " + c.latentList() + ", "
                    + c.activation() + ", " + c.likelihood() + ", " + c.posterior() + " (export it with --names native)");
        }
    }
}

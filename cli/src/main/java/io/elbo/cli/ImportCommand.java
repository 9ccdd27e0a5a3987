package io.elbo.cli;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Checkpoint;
import io.elbo.nn.CheckpointException;
import io.elbo.nn.Parameter;
import io.elbo.nn.SafeTensors;
import io.elbo.vae.VAE;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.commons.rng.simple.RandomSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vae import}: a safetensors file of weights, ours ({@code vae export}) or PyTorch's VAE example's
 * ({@code fc1, fc21, fc22, fc3, fc4}, as {@code python/elbo_vae.py save} writes them), becomes a run
 * directory that {@code eval}, {@code sample}, {@code reconstruct}, {@code interpolate} and {@code plot}
 * accept. The model's configuration comes from {@code --config}, else from the file's metadata, else from
 * the tensors' shapes (the example: one hidden layer, ReLU, Bernoulli, square images).
 */
@Command(name = "import", mixinStandardHelpOptions = true, showDefaultValues = true, abbreviateSynopsis = true, sortOptions = false,
        description = "Make a run directory from a safetensors file of weights (vae export, or PyTorch's VAE example's fc1..fc4).")
final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the weights: a .safetensors file")
    Path file;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = {"the run directory to create", "  Default: runs/import-DATE-TIME"})
    Path out;

    @Option(names = "--config", paramLabel = "JSON",
            description = {"the model's configuration, a config.json as vae train writes",
                    "  Default: the file's metadata, else read off the tensors' shapes"})
    Path config;

    @Mixin
    SharedOptions.ImportData data;

    @Override
    public Integer call() {
        SafeTensors.Contents contents;
        try {
            contents = SafeTensors.read(file);
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage());
        }
        Map<String, SafeTensors.Entry> entries = contents.entries();
        boolean example = entries.containsKey("fc1.weight");
        if (!example && entries.keySet().stream().noneMatch(name -> name.startsWith("model."))) {
            throw new CliException(file + ": neither vae's tensor names (model.encoder.0.weight, ...) nor those of PyTorch's VAE example"
                    + " (fc1.weight, fc21.weight, ...); it holds " + String.join(", ", entries.keySet().stream().limit(5).toList())
                    + (entries.size() > 5 ? ", ..." : ""));
        }
        RunConfig c = configuration(contents, example);
        if (example) ExportCommand.requireExampleArchitecture(c, file + " (PyTorch example names)");
        c.checkMemory("the model of " + file, c.rowsPerChunk(), 1, RunConfig.EVALUATION);
        Main.doing("reading the weights of " + file);
        VAE vae = new VAE(c.vaeConfig(), RandomSource.XO_RO_SHI_RO_128_PP.create(c.seed()));
        Map<String, String> ours = new HashMap<>();
        ExportCommand.PYTORCH_EXAMPLE.forEach((native_, theirs) -> ours.put(theirs, native_));
        Map<String, Parameter> params = vae.namedParameters();
        for (String name : entries.keySet()) {
            String key = example ? ours.get(name) : name.startsWith("model.") ? name.substring("model.".length()) : null;
            if (key == null || !params.containsKey(key)) {
                if (!example && !name.startsWith("model.")) continue; // optimiser or generator state of a full checkpoint
                throw new CliException(file + ": tensor '" + name + "' is not a weight of this model (" + describe(c) + ")");
            }
        }
        for (Map.Entry<String, Parameter> p : params.entrySet()) {
            String name = example ? ExportCommand.PYTORCH_EXAMPLE.get(p.getKey()) : "model." + p.getKey();
            Tensor dst = p.getValue().value();
            SafeTensors.Entry e = entries.get(name);
            if (e == null) throw new CliException(file + ": missing tensor '" + name + "' " + Arrays.toString(dst.shape()) + " of " + describe(c));
            if (e.tensor() == null || e.tensor().dtype() != dst.dtype() || !Arrays.equals(e.shape(), dst.shape())) {
                throw new CliException(file + ": tensor '" + name + "' is " + e.dtype() + " " + Arrays.toString(e.shape()) + ", " + describe(c)
                        + " needs " + (dst.dtype() == DType.FLOAT32 ? "F32 " : "F64 ") + Arrays.toString(dst.shape()));
            }
            if (!e.tensor().allFinite()) throw new CliException(file + ": tensor '" + name + "' holds a NaN or an infinity");
            io.elbo.autodiff.InPlace.copy(e.tensor(), dst);
        }
        Path dir = out != null ? out : Path.of("runs", "import-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Outputs.directory(dir);
        try (RunLock lock = RunLock.acquire(dir)) {
            if (Files.exists(dir.resolve(Runs.CHECKPOINT))) {
                throw new CliException(dir + " already holds a run (" + Runs.CHECKPOINT + "); choose another --out");
            }
            RunLock.removeLeftovers(dir);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(Runs.RUN, c.toJson());
            meta.put("imported-from", file.toAbsolutePath().toString());
            Checkpoint.save(dir.resolve(Runs.CHECKPOINT), vae, null, null, meta);
            Pictures.writeText(dir.resolve(Runs.CONFIG), c.toJson() + "\n");
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage());
        }
        spec.commandLine().getOut().print(Text.wrap("imported ", file + " (" + describe(c) + ", " + vae.parameterCount() + " " + c.dtype()
                + " parameters) as " + dir));
        spec.commandLine().getOut().print(Text.wrap("evaluate with: ", "vae eval " + Text.shellQuote(dir.toString())));
        return 0;
    }

    private static String describe(RunConfig c) {
        return c.layers() + " " + c.activation() + " " + c.likelihood();
    }

    /** From --config, else the file's "run" metadata, else the shapes of the example's tensors. */
    private RunConfig configuration(SafeTensors.Contents contents, boolean example) {
        RunConfig c;
        if (config != null) {
            try {
                c = RunConfig.fromJson(Files.readString(config), config.toString());
            } catch (IOException e) {
                throw new CliException(config + ": cannot read (" + io.elbo.nn.IoErrors.reason(e) + ")");
            }
        } else if (contents.metadata().containsKey(Runs.RUN)) {
            c = RunConfig.fromJson(contents.metadata().get(Runs.RUN), file.toString());
        } else if (example) {
            SafeTensors.Entry fc1 = contents.entries().get("fc1.weight"), fc21 = contents.entries().get("fc21.weight");
            if (fc1.shape().length != 2 || fc21 == null || fc21.shape().length != 2) {
                throw new CliException(file + ": fc1.weight and fc21.weight must be matrices (out × in)");
            }
            int d = fc1.shape()[1], side = (int) Math.round(Math.sqrt(d));
            if (side * side != d) {
                throw new CliException(file + ": images of " + d + " pixels are not square; give their size with --config");
            }
            io.elbo.autodiff.DType dtype = switch (fc1.dtype()) {
                case F32 -> io.elbo.autodiff.DType.FLOAT32;
                case F64 -> io.elbo.autodiff.DType.FLOAT64;
                default -> throw new CliException(file + ": fc1.weight is " + fc1.dtype() + "; vae reads F32 or F64 weights");
            };
            c = new RunConfig(RunConfig.FORMAT, Data.SAMPLE, Data.Pixels.GREY, 0, side, side, new int[] {fc1.shape()[0]}, fc21.shape()[0], "relu",
                    "bernoulli", 0.1, "gaussian", "standard-normal", 10, 128,
                    RunConfig.Optimizer.ADAM, 1e-3, 1.0, 0, 1, 1, 1, dtype, new int[0], io.elbo.vae.ConvNet.MLP);
        } else {
            throw new CliException(file + ": holds no run configuration; give one with --config (a config.json of vae train)");
        }
        String source = data.value != null ? Data.resolve(data.value) : config == null && !contents.metadata().containsKey(Runs.RUN)
                ? Data.resolve(null) : c.data();
        return c.withData(source);
    }
}

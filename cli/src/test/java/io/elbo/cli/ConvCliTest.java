package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.InPlace;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train --arch conv} (the convolutional encoder and decoder of {@link io.elbo.vae.ConvNet}) through
 * everything that reads or writes a run, on the shipped sample: the conv layers' tensors under PyTorch's names in
 * the checkpoint, the architecture in config.json, a resumed run bit-identical to one never stopped, the pictures,
 * {@code vae eval}, a native export imported back evaluating to the same numbers, every likelihood and objective,
 * and hostile input (a conv tensor of another shape or holding NaN, --hidden with conv, images that are not
 * 28×28) refused in one line.
 */
class ConvCliTest {
    static final String[] RUN = {"train", "--data", "sample", "--arch", "conv", "--limit", "256", "-b", "64", "--latent", "2", "--threads", "1"};
    static final String[] SMALL = {"train", "--data", "sample", "--arch", "conv", "--limit", "128", "-b", "64", "--latent", "2", "--threads", "1"};

    @Test
    void aConvRunTrainsResumesBitIdenticallyEvaluatesExportsAndImports(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
        CliTest.Result r = CliTest.vae(CliTest.with(RUN, "-e", "2", "-o", straight.toString()));
        r.assertOk();
        assertTrue(r.out().contains("784-conv-2 relu bernoulli, 73317 float32 parameters"), r.out());
        Map<String, SafeTensors.Entry> tensors = SafeTensors.read(straight.resolve(Runs.CHECKPOINT)).entries();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("model.encoder.1.weight", new int[] {32, 1, 3, 3});
        shapes.put("model.encoder.3.bias", new int[] {64});
        shapes.put("model.mu.weight", new int[] {2, 3136});
        shapes.put("model.decoder.0.weight", new int[] {1568, 2});
        shapes.put("model.decoder.3.weight", new int[] {32, 64, 3, 3});
        shapes.put("model.decoder.5.weight", new int[] {64, 32, 3, 3});
        shapes.put("model.decoder.7.bias", new int[] {1});
        shapes.forEach((name, shape) -> assertArrayEquals(shape, tensors.get(name).shape(), name));
        assertTrue(Files.readString(straight.resolve(Runs.CONFIG)).contains("\"arch\": \"conv\""));
        assertTrue(Files.readString(straight.resolve(Runs.CONFIG)).contains("\"hidden\": []"));
        for (String f : List.of("samples-epoch-002.png", "reconstructions-epoch-002.png", "manifold-epoch-002.png", "loss.png")) {
            assertTrue(Files.isRegularFile(straight.resolve(f)), f + " in " + straight);
        }

        CliTest.vae(CliTest.with(RUN, "-e", "1", "-o", split.toString())).assertOk();
        CliTest.vae("train", "--resume", split.toString(), "-e", "2", "--threads", "1").assertOk();
        CliTest.assertSameState(straight, split);

        CliTest.Result eval = CliTest.vae("eval", straight.toString(), "-k", "10", "-n", "20");
        eval.assertOk();
        Path export = tmp.resolve("w.safetensors"), imported = tmp.resolve("imported");
        CliTest.vae("export", straight.toString(), "-o", export.toString()).assertOk();
        CliTest.vae("import", export.toString(), "-o", imported.toString()).assertOk();
        CliTest.Result again = CliTest.vae("eval", imported.toString(), "-k", "10", "-n", "20");
        again.assertOk();
        assertEquals(CliTest.number(eval.out(), "test -ELBO: "), CliTest.number(again.out(), "test -ELBO: "), 0, "the imported model's");
        assertEquals(CliTest.number(eval.out(), "-L_10: "), CliTest.number(again.out(), "-L_10: "), 0, "the imported model's");
        CliTest.vae("export", straight.toString(), "--names", "pytorch-example", "-o", tmp.resolve("p.safetensors").toString())
                .assertOneLineError(1, "PyTorch's VAE example", "--arch conv");

        // hostile checkpoints: a conv weight of another shape, and a conv bias holding NaN, are refused in one message naming it
        SafeTensors.Contents k = SafeTensors.read(straight.resolve(Runs.CHECKPOINT));
        var shape = new LinkedHashMap<>(k.entries());
        shape.put("model.decoder.3.weight", SafeTensors.Entry.of(Tensor.zeros(DType.FLOAT32, 64, 32, 3, 3)));
        SafeTensors.write(tmp.resolve("shape.safetensors"), shape, k.metadata());
        CliTest.vae("eval", tmp.resolve("shape.safetensors").toString(), "-k", "2", "-n", "2")
                .assertOneLineError(1, "model.decoder.3.weight", "shape");
        var nan = new LinkedHashMap<>(k.entries());
        Tensor b = nan.get("model.encoder.1.bias").tensor().copy();
        double[] v = b.toDoubleArray();
        v[5] = Double.NaN;
        InPlace.set(b, v);
        nan.put("model.encoder.1.bias", SafeTensors.Entry.of(b));
        SafeTensors.write(tmp.resolve("nan.safetensors"), nan, k.metadata());
        CliTest.vae("eval", tmp.resolve("nan.safetensors").toString(), "-k", "2", "-n", "2").assertOneLineError(1, "model.encoder.1.bias", "NaN");
        CliTest.vae("import", tmp.resolve("nan.safetensors").toString(), "-o", tmp.resolve("bad").toString())
                .assertOneLineError(1, "model.encoder.1.bias", "NaN");
    }

    /** Every likelihood, each with another objective (L samples, the sampled KL's flow, IWAE, β with warm-up), trains a conv model. */
    @Test
    void everyLikelihoodAndObjectiveTrainsAConvModel(@TempDir Path tmp) {
        String[][] variants = {
            {"--likelihood", "bernoulli", "--samples", "2"},
            {"--likelihood", "continuous-bernoulli", "--iwae-k", "3"},
            {"--likelihood", "gaussian", "--flow", "planar:2"},
            {"--likelihood", "gaussian-pixel", "--flow", "iaf:1"},
            {"--likelihood", "gaussian-fixed", "--beta", "0.5", "--kl-warmup", "1"},
        };
        for (String[] v : variants) {
            Path out = tmp.resolve(v[1]);
            String[] args = CliTest.with(CliTest.with(SMALL, "-e", "1", "-o", out.toString()), v);
            CliTest.Result r = CliTest.vae(args);
            r.assertOk();
            assertTrue(r.out().contains("784-conv-2 relu " + v[1]), r.out());
            assertTrue(Files.isRegularFile(out.resolve(Runs.CHECKPOINT)), String.join(" ", v));
        }
    }

    @Test
    void hiddenWidthsAnUnknownArchitectureAndImagesOfAnotherSizeAreRefusedInOneLine(@TempDir Path tmp) throws Exception {
        CliTest.vae("train", "--arch", "conv", "--hidden", "64").assertOneLineError(2, "--hidden sets the MLP's widths; --arch conv has its own");
        CliTest.vae("train", "--arch", "resnet").assertOneLineError(2, "unknown --arch 'resnet' (mlp or conv)");
        Path data = Files.createDirectories(tmp.resolve("idx32"));
        int n = 8;
        byte[] pixels = new byte[n * 32 * 32], labels = new byte[n];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) (i * 7);
        for (String set : new String[] {"train", "t10k"}) {
            Files.write(data.resolve(set + "-images-idx3-ubyte"), HostileInputProperties.idx(0x08, new int[] {n, 32, 32}, pixels));
            Files.write(data.resolve(set + "-labels-idx1-ubyte"), HostileInputProperties.idx(0x08, new int[] {n}, labels));
        }
        CliTest.vae("train", "--arch", "conv", "--data", data.toString(), "-o", tmp.resolve("run").toString())
                .assertOneLineError(2, "--arch conv takes 28×28 single-channel images;", "holds 32×32");
        assertTrue(!Files.exists(tmp.resolve("run").resolve(Runs.CHECKPOINT)));
    }
}

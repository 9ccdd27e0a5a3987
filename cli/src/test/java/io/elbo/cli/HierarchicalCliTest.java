package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.InPlace;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train --latent K1,K2} (two stochastic layers) through everything that reads or writes a run: the
 * upper layers' tensors in the checkpoint under their names, the latent list in config.json, a resumed run
 * bit-identical to one never stopped, {@code vae eval} (KL sampled), sample and reconstruct, a native export
 * that imports back, the PyTorch example's names refused, hostile checkpoints refused naming the tensor, a
 * flow on q(z₁|x) combined with two layers, and every bad {@code --latent} list refused in one line.
 */
class HierarchicalCliTest {
    static final String[] RUN = {"train", "--data", "sample", "--limit", "256", "-b", "64", "--hidden", "32,16", "--latent", "4,2", "--threads",
        "1"};

    @Test
    void aTwoLayerRunTrainsResumesBitIdenticallyEvaluatesExportsAndImports(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
        CliTest.Result r = CliTest.vae(CliTest.with(RUN, "-e", "2", "-o", straight.toString()));
        r.assertOk();
        assertTrue(r.out().contains("784-32-16-4,2 relu bernoulli"), r.out());
        var tensors = SafeTensors.read(straight.resolve(Runs.CHECKPOINT)).entries();
        // the upper blocks: as many hidden layers as --hidden, each as wide as z₁ (4)
        String[][] shapes = {{"model.encoder2.0.weight", "[4, 4]"}, {"model.encoder2.2.weight", "[4, 4]"}, {"model.mu2.weight", "[2, 4]"},
            {"model.logvar2.bias", "[2]"}, {"model.decoder2.0.weight", "[4, 2]"}, {"model.decoder2.2.bias", "[4]"},
            {"model.decoder2_mu.weight", "[4, 4]"}, {"model.decoder2_logvar.weight", "[4, 4]"}, {"model.mu.weight", "[4, 16]"},
            {"model.decoder.0.weight", "[16, 4]"}};
        for (String[] s : shapes) {
            assertTrue(tensors.containsKey(s[0]), s[0] + " in " + tensors.keySet());
            assertEquals(s[1], java.util.Arrays.toString(tensors.get(s[0]).shape()), s[0]);
        }
        String json = Files.readString(straight.resolve(Runs.CONFIG));
        assertTrue(json.contains("\"latent\": 4") && json.replaceAll("\\s", "").contains("\"upperLatents\":[2]"), json);

        CliTest.vae(CliTest.with(RUN, "-e", "1", "-o", split.toString())).assertOk();
        CliTest.vae("train", "--resume", split.toString(), "-e", "2", "--threads", "1").assertOk();
        CliTest.assertSameState(straight, split);

        CliTest.Result eval = CliTest.vae("eval", straight.toString(), "-k", "10", "-n", "20");
        eval.assertOk();
        String text = eval.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("sampled KL") && text.contains("-L_10: "), text);
        CliTest.vae("sample", straight.toString(), "-n", "8").assertOk();
        CliTest.vae("reconstruct", straight.toString(), "-n", "4").assertOk();
        assertTrue(Files.isRegularFile(straight.resolve("samples.png")) && Files.isRegularFile(straight.resolve("reconstructions.png")));

        Path export = tmp.resolve("w.safetensors");
        CliTest.vae("export", straight.toString(), "-o", export.toString()).assertOk();
        assertTrue(SafeTensors.read(export).entries().containsKey("model.decoder2_mu.weight"));
        CliTest.vae("import", export.toString(), "-o", tmp.resolve("imported").toString()).assertOk();
        CliTest.Result again = CliTest.vae("eval", tmp.resolve("imported").toString(), "-k", "10", "-n", "20");
        again.assertOk();
        assertEquals(CliTest.number(eval.out(), "test -ELBO: "), CliTest.number(again.out(), "test -ELBO: "), 0, "the imported model is the run's");
        CliTest.vae("export", straight.toString(), "--names", "pytorch-example", "-o", tmp.resolve("p.safetensors").toString())
                .assertOneLineError(1, "one stochastic layer", "--latent 4,2");

        // hostile checkpoints: an upper layer's parameter of another shape, and one holding NaN, refused in one message
        SafeTensors.Contents k = SafeTensors.read(straight.resolve(Runs.CHECKPOINT));
        var shape = new LinkedHashMap<>(k.entries());
        shape.put("model.mu2.weight", SafeTensors.Entry.of(Tensor.zeros(DType.FLOAT32, 3, 4)));
        SafeTensors.write(tmp.resolve("shape.safetensors"), shape, k.metadata());
        CliTest.vae("eval", tmp.resolve("shape.safetensors").toString(), "-k", "2", "-n", "2").assertOneLineError(1, "model.mu2.weight", "shape");
        var nan = new LinkedHashMap<>(k.entries());
        Tensor b = nan.get("model.decoder2_logvar.bias").tensor().copy();
        double[] v = b.toDoubleArray();
        v[1] = Double.POSITIVE_INFINITY;
        InPlace.set(b, v);
        nan.put("model.decoder2_logvar.bias", SafeTensors.Entry.of(b));
        SafeTensors.write(tmp.resolve("inf.safetensors"), nan, k.metadata());
        CliTest.vae("eval", tmp.resolve("inf.safetensors").toString(), "-k", "2", "-n", "2")
                .assertOneLineError(1, "model.decoder2_logvar.bias", "Infinity");
    }

    /** A planar flow on q(z₁|x) under a second layer: the flow's heads and the upper layer's in one model, resumed bit-identically. */
    @Test
    void aFlowOnTheBottomLayerOfTwoTrainsAndResumes(@TempDir Path tmp) throws Exception {
        String[] flow = CliTest.with(java.util.Arrays.copyOf(RUN, RUN.length - 4), "--latent", "3,2,2", "--threads", "1", "--flow", "planar:2");
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
        CliTest.vae(CliTest.with(flow, "-e", "2", "-o", straight.toString())).assertOk();
        var tensors = SafeTensors.read(straight.resolve(Runs.CHECKPOINT)).entries().keySet();
        for (String name : new String[] {"model.flow_u.weight", "model.mu2.weight", "model.mu3.weight", "model.decoder3_mu.weight"}) {
            assertTrue(tensors.contains(name), name + " in " + tensors);
        }
        CliTest.vae(CliTest.with(flow, "-e", "1", "-o", split.toString())).assertOk();
        CliTest.vae("train", "--resume", split.toString(), "-e", "2", "--threads", "1").assertOk();
        CliTest.assertSameState(straight, split);
        CliTest.vae("eval", straight.toString(), "-k", "5", "-n", "5").assertOk();
    }

    @Test
    void aBadLatentListIsOneLine() {
        for (String bad : new String[] {"", "0", "-3", "x", "4,x", "4,,2", "4,0", "4,-1", "2.5", ","}) {
            CliTest.vae("train", "--data", "sample", "--latent", bad).assertOneLineError(2, "--latent takes the sizes", "'" + bad + "'");
        }
        // several stochastic layers are an MLP's: the conv model has one, and says so before any work
        CliTest.vae("train", "--data", "sample", "--arch", "conv", "--latent", "8,4")
                .assertOneLineError(2, "--arch conv has one stochastic layer", "--latent 8,4");
    }
}

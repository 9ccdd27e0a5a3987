package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.nn.SafeTensors;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train --flow planar:K} through everything that reads or writes a run: the flow's heads are in the
 * checkpoint, a resumed run ends bit-identical to one never stopped, {@code vae eval} scores it (with the KL
 * sampled), a native export carries the flow, the PyTorch example's names refuse it, and a bad spec is one line.
 */
class FlowCliTest {
    static final String[] RUN = {"train", "--data", "sample", "--limit", "256", "-b", "64", "--hidden", "32", "--latent", "3", "--threads", "1",
        "--flow", "planar:2"};

    @Test
    void aPlanarFlowRunTrainsResumesBitIdenticallyEvaluatesAndExports(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
        CliTest.Result r = CliTest.vae(CliTest.with(RUN, "-e", "2", "-o", straight.toString()));
        r.assertOk();
        assertTrue(r.out().contains("relu bernoulli planar:2"), r.out());
        var tensors = SafeTensors.read(straight.resolve(Runs.CHECKPOINT)).entries().keySet();
        for (String name : new String[] {"model.flow_u.weight", "model.flow_w.bias", "model.flow_b.weight", "model.mu.weight"}) {
            assertTrue(tensors.contains(name), name + " in " + tensors);
        }
        CliTest.vae(CliTest.with(RUN, "-e", "1", "-o", split.toString())).assertOk();
        CliTest.vae("train", "--resume", split.toString(), "-e", "2", "--threads", "1").assertOk();
        CliTest.assertSameState(straight, split);

        CliTest.Result eval = CliTest.vae("eval", straight.toString(), "-k", "10", "-n", "20");
        eval.assertOk();
        String text = eval.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("sampled KL") && text.contains("-L_10: "), text);
        CliTest.vae("export", straight.toString(), "-o", tmp.resolve("w.safetensors").toString()).assertOk();
        assertTrue(SafeTensors.read(tmp.resolve("w.safetensors")).entries().containsKey("model.flow_u.weight"));
        CliTest.vae("export", straight.toString(), "--names", "pytorch-example", "-o", tmp.resolve("p.safetensors").toString())
                .assertOneLineError(1, "a Gaussian posterior", "planar:2");

        // hostile checkpoints: a flow's parameter of another shape, and one holding NaN, are refused in one message
        SafeTensors.Contents k = SafeTensors.read(straight.resolve(Runs.CHECKPOINT));
        var shape = new java.util.LinkedHashMap<>(k.entries());
        shape.put("model.flow_u.weight", SafeTensors.Entry.of(io.elbo.autodiff.Tensor.zeros(io.elbo.autodiff.DType.FLOAT32, 4, 3)));
        SafeTensors.write(tmp.resolve("shape.safetensors"), shape, k.metadata());
        CliTest.vae("eval", tmp.resolve("shape.safetensors").toString(), "-k", "2", "-n", "2").assertOneLineError(1, "model.flow_u.weight", "shape");
        var nan = new java.util.LinkedHashMap<>(k.entries());
        io.elbo.autodiff.Tensor b = nan.get("model.flow_w.bias").tensor().copy();
        double[] v = b.toDoubleArray();
        v[0] = Double.NaN;
        io.elbo.autodiff.InPlace.set(b, v);
        nan.put("model.flow_w.bias", SafeTensors.Entry.of(b));
        SafeTensors.write(tmp.resolve("nan.safetensors"), nan, k.metadata());
        CliTest.vae("eval", tmp.resolve("nan.safetensors").toString(), "-k", "2", "-n", "2").assertOneLineError(1, "model.flow_w.bias", "NaN");
    }

    /** An IAF run through the same: the MADE steps' masked layers in the checkpoint, and a resumed run bit-identical. */
    @Test
    void anIafRunTrainsAndResumesBitIdentically(@TempDir Path tmp) throws Exception {
        String[] iaf = CliTest.with(java.util.Arrays.copyOf(RUN, RUN.length - 1), "iaf:2");
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
        CliTest.vae(CliTest.with(iaf, "-e", "2", "-o", straight.toString())).assertOk();
        var tensors = SafeTensors.read(straight.resolve(Runs.CHECKPOINT)).entries().keySet();
        for (String name : new String[] {"model.iaf_context.weight", "model.iaf_0.in.weight", "model.iaf_1.s.bias", "model.iaf_1.context.weight"}) {
            assertTrue(tensors.contains(name), name + " in " + tensors);
        }
        CliTest.vae(CliTest.with(iaf, "-e", "1", "-o", split.toString())).assertOk();
        CliTest.vae("train", "--resume", split.toString(), "-e", "2", "--threads", "1").assertOk();
        CliTest.assertSameState(straight, split);
    }

    @Test
    void aBadFlowSpecIsOneLine() {
        CliTest.vae("train", "--flow", "planar:0").assertOneLineError(2, "planar:K needs K steps from 1 to 64, got '0'");
        CliTest.vae("train", "--flow", "planar").assertOneLineError(2, "needs its K: planar:K");
        CliTest.vae("train", "--flow", "radial:3").assertOneLineError(2, "unknown posterior 'radial:3' (gaussian, planar:K or iaf:K)");
        CliTest.vae("train", "--flow", "planar:2", "--posterior", "gaussian").assertOneLineError(2, "--posterior cannot be given with it");
    }
}

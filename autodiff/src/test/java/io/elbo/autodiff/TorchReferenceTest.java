package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A differential test against PyTorch 1.13 in float64: each composite expression of
 * {@code test-data/torch/autodiff_reference.py} is rebuilt here by name, and its value and every
 * input's gradient must match PyTorch's to a relative 1e-10.
 */
class TorchReferenceTest {
    static final Path REFERENCE = TestData.path("torch", "autodiff_reference.json");

    static Tensor bceSum(Tensor logits, Tensor t) {
        return Fused.binaryCrossEntropyWithLogits(logits, t).sum();
    }

    static Tensor gaussianKl(Tensor mu, Tensor logvar) {
        return logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum().mul(-0.5);
    }

    /** The same expressions as the Python script, by the same names. */
    static final Map<String, Fn> EXPRESSIONS = Map.ofEntries(
            Map.entry("mlp_tanh_mse", in -> Ops.mse(in[0].matmul(in[1]).add(in[2]).tanh().matmul(in[3]).add(in[4]), in[5])),
            Map.entry("mlp_relu_bce_sum", in -> bceSum(in[0].matmul(in[1]).add(in[2]).relu().matmul(in[3]).add(in[4]), in[5])),
            Map.entry("mlp_sigmoid_softplus", in -> in[0].matmul(in[1]).sigmoid().matmul(in[2]).softplus().sum()),
            Map.entry("logsumexp_axis1", in -> in[0].logSumExp(false, 1).sum()),
            Map.entry("logsumexp_axis0_keepdim", in -> in[0].logSumExp(true, 0).mul(in[1]).sum()),
            Map.entry("softplus_wide", in -> in[0].mul(10).softplus().sum()),
            Map.entry("log_sigmoid_mean", in -> in[0].logSigmoid().mean()),
            Map.entry("bce_with_logits_mean", in -> Fused.binaryCrossEntropyWithLogits(in[0], in[1]).mean()),
            Map.entry("bce_with_logits_row_sum", in -> Fused.binaryCrossEntropyWithLogitsSum(in[0], in[1]).mul(in[2]).sum()),
            Map.entry("broadcast_add_mul", in -> in[0].add(in[1]).mul(in[2]).sum()),
            Map.entry("broadcast_sub_div_square", in -> in[0].sub(in[1]).div(in[2].exp()).pow(2).sum()),
            Map.entry("sum_keepdim_times_mean", in -> in[0].sum(true, 1).mul(in[0].mean(false, 0)).sum()),
            Map.entry("max_along_axis", in -> in[0].max(false, 1).mul(Tensor.arange(1, 4, 1, DType.FLOAT64)).sum()),
            Map.entry("amax_two_axes", in -> in[0].max(false, 0, 2).mul(in[1]).sum()),
            Map.entry("batched_matmul_tanh", in -> in[0].matmul(in[1]).tanh().sum()),
            Map.entry("batched_matmul_broadcast", in -> in[0].matmul(in[1]).square().mean()),
            Map.entry("permute_transpose", in -> in[0].permute(2, 0, 1).mul(in[1]).sum().add(in[0].transpose(0, 2).mul(in[2]).sum())),
            Map.entry("exp_log_log1p", in -> in[0].exp().log1p().add(in[1].abs().add(0.1).log()).sum()),
            Map.entry("sqrt_pow_scalar_and_tensor", in -> {
                Tensor base = in[0].abs().add(1);
                return base.sqrt().mul(in[1].pow(3)).add(base.pow(in[1])).sum();
            }),
            Map.entry("where_clamp", in -> Ops.where(Ops.gt(in[0], Tensor.scalar(0.0)), in[0].mul(in[1]), in[1].clamp(-0.5, 0.5)).sum()),
            Map.entry("slice_concat", in -> Ops.concat(1, in[0].slice(1, 1, 3), in[1], in[0].slice(1, 0, 1)).pow(2).sum()),
            Map.entry("gaussian_kl", in -> gaussianKl(in[0], in[1])),
            Map.entry("tiny_vae_loss", in -> {
                Tensor x = in[0], h = x.matmul(in[1]).add(in[2]).relu();
                Tensor mu = h.matmul(in[3]), logvar = h.matmul(in[4]);
                Tensor z = mu.add(logvar.mul(0.5).exp().mul(in[7]));
                return bceSum(z.matmul(in[5]).add(in[6]), x).add(gaussianKl(mu, logvar)).div(x.dim(0));
            }),
            Map.entry("softmax_cross_entropy", in -> in[1].mul(in[0].sub(in[0].logSumExp(true, 1))).sum().neg()),
            Map.entry("abs_neg_relu", in -> in[0].abs().sub(in[1].neg().relu()).add(in[0].neg().mul(in[1])).sum()),
            Map.entry("sigmoid_tanh_chain", in -> in[0].sigmoid().tanh().sigmoid().sum()),
            Map.entry("expand_sum_reshape", in -> in[0].expand(3, 4).mul(in[1]).reshape(2, 6).sum(false, 0).square().sum()),
            Map.entry("matmul_1d", in -> {
                Tensor a = in[0], c = in[1], v = in[2], w = in[3];
                return a.matmul(v).sin().sum().add(w.matmul(a).square().sum()).add(v.matmul(v).mul(w.matmul(a).matmul(v)))
                        .add(c.matmul(v).tanh().sum()).add(w.matmul(c).exp().mean());
            }),
            Map.entry("softmax_log_softmax", in -> {
                Tensor a = in[0], t = in[1], b = in[2];
                return a.softmax(1).mul(t).sum().add(a.logSoftmax(0).mul(t).square().sum())
                        .add(b.softmax(-1).pow(2).sum()).add(b.logSoftmax(1).exp().mul(t.slice(0, 0, 1).reshape(5)).sum());
            }),
            Map.entry("nll_by_gather", in -> in[0].logSoftmax(1).gather(1, Tensor.of(new double[] {2, 0, 4, 2}, 4, 1)).sum().neg()),
            Map.entry("gather_axis0_repeats", in -> in[0].gather(0, Tensor.of(new double[] {1, 0, 1, 1, 1, 0}, 2, 3)).sin().mul(in[1]).sum()),
            Map.entry("index_select_repeats", in -> in[0].indexSelect(1, 2, 0, 2, 3).pow(2).mul(in[1]).sum()),
            Map.entry("stack_axes", in -> {
                Tensor a = in[0], b = in[1], c = in[2], w = in[3];
                return Ops.stack(1, a, b, c).tanh().mul(w).sum().add(Ops.stack(-1, a, b).square().sum())
                        .add(Ops.stack(0, c, a).mul(b).exp().sum());
            }));

    static Stream<JsonObject> cases() throws IOException {
        return cases(REFERENCE);
    }

    /** The "cases" of a reference file written by one of {@code test-data/torch}'s scripts. */
    static Stream<JsonObject> cases(Path file) throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("cases")) out.add(e.getAsJsonObject());
        return out.stream();
    }

    static double[] doubles(JsonArray a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsDouble();
        return v;
    }

    static void assertRelative(String what, double expected, double actual) {
        double tol = 1e-10 * Math.max(1, Math.abs(expected));
        if (!(Math.abs(expected - actual) <= tol)) {
            fail(what + ": PyTorch " + expected + ", ours " + actual + " (|difference| " + Math.abs(expected - actual) + ")");
        }
    }

    @Test
    void atLeastTwentyExpressionsAreCompared() throws IOException {
        assertTrue(cases().count() >= 20);
        assertEquals(cases().count(), EXPRESSIONS.size(), "every reference case has its Java expression");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void valueAndGradientsMatchPyTorchInFloat64(JsonObject c) {
        String name = c.get("name").getAsString();
        Fn fn = EXPRESSIONS.get(name);
        if (fn == null) fail("no Java expression for reference case " + name);
        JsonArray inputs = c.getAsJsonArray("inputs");
        Tensor[] xs = new Tensor[inputs.size()];
        for (int i = 0; i < xs.length; i++) {
            JsonObject in = inputs.get(i).getAsJsonObject();
            int[] shape = new int[in.getAsJsonArray("shape").size()];
            for (int d = 0; d < shape.length; d++) shape[d] = in.getAsJsonArray("shape").get(d).getAsInt();
            xs[i] = Tensor.of(doubles(in.getAsJsonArray("values")), shape).variable();
        }
        Tensor y = fn.apply(xs);
        assertRelative(name + " value", c.get("value").getAsDouble(), y.item());
        y.backward();
        JsonArray grads = c.getAsJsonArray("grads");
        for (int i = 0; i < xs.length; i++) {
            double[] expected = doubles(grads.get(i).getAsJsonArray());
            double[] actual = xs[i].grad() == null ? new double[expected.length] : xs[i].grad().toDoubleArray();
            assertEquals(expected.length, actual.length, name + " gradient " + i + " size");
            for (int j = 0; j < expected.length; j++) assertRelative(name + " gradient of input " + i + " element " + j, expected[j], actual[j]);
        }
    }
}

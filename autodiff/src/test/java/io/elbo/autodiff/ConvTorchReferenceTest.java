package io.elbo.autodiff;

import static io.elbo.autodiff.TorchReferenceTest.assertRelative;
import static io.elbo.autodiff.TorchReferenceTest.doubles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A differential test of the convolutions against PyTorch 1.13 in float64
 * ({@code test-data/torch/conv_reference.py}): {@code F.conv2d} and {@code F.conv_transpose2d} at strides 1
 * and 2, paddings 0 to 2, output paddings 0 and 1, odd and rectangular sizes and kernels, batches above 1,
 * with and without a bias; the output and the gradients of Σ out·c in x, w and b must match to a relative 1e-10.
 */
class ConvTorchReferenceTest {
    static Stream<JsonObject> cases() throws IOException {
        return TorchReferenceTest.cases(TestData.path("torch", "conv_reference.json"));
    }

    static int[] ints(JsonArray a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsInt();
        return v;
    }

    static String describe(JsonObject c) {
        JsonArray in = c.getAsJsonArray("inputs");
        return c.get("op").getAsString() + " x " + in.get(0).getAsJsonObject().get("shape") + " w " + in.get(1).getAsJsonObject().get("shape")
                + (in.size() > 2 ? " with bias" : "") + " stride " + c.get("stride") + " padding " + c.get("padding")
                + " output padding " + c.get("output_padding");
    }

    @Test
    void theCasesCoverBothOpsStridesPaddingsAndOutputPaddings() throws IOException {
        List<JsonObject> all = cases().toList();
        for (String op : List.of("conv2d", "conv_transpose2d")) {
            for (int stride = 1; stride <= 2; stride++) {
                int s = stride;
                assertTrue(all.stream().anyMatch(c -> c.get("op").getAsString().equals(op) && c.get("stride").getAsInt() == s), op + " stride " + s);
            }
            for (int padding = 0; padding <= 2; padding++) {
                int p = padding;
                assertTrue(all.stream().anyMatch(c -> c.get("op").getAsString().equals(op) && c.get("padding").getAsInt() == p), op + " padding " + p);
            }
        }
        assertTrue(all.stream().anyMatch(c -> c.get("output_padding").getAsInt() == 1), "an output padding of 1");
        assertTrue(all.stream().anyMatch(c -> c.getAsJsonArray("inputs").size() == 2), "a case without a bias");
    }

    @ParameterizedTest(name = "{index}")
    @MethodSource("cases")
    void convolutionValuesAndGradientsMatchPyTorchInFloat64(JsonObject c) {
        String what = describe(c);
        JsonArray inputs = c.getAsJsonArray("inputs");
        Tensor[] xs = new Tensor[inputs.size()];
        for (int i = 0; i < xs.length; i++) {
            JsonObject in = inputs.get(i).getAsJsonObject();
            xs[i] = Tensor.of(doubles(in.getAsJsonArray("values")), ints(in.getAsJsonArray("shape"))).variable();
        }
        Tensor b = xs.length > 2 ? xs[2] : null;
        int stride = c.get("stride").getAsInt(), padding = c.get("padding").getAsInt();
        Tensor out = c.get("op").getAsString().equals("conv2d") ? xs[0].conv2d(xs[1], b, stride, padding)
                : xs[0].convTranspose2d(xs[1], b, stride, padding, c.get("output_padding").getAsInt());
        JsonObject expected = c.getAsJsonObject("out");
        assertArrayEquals(ints(expected.getAsJsonArray("shape")), out.shape(), what + ": output shape");
        double[] want = doubles(expected.getAsJsonArray("values")), got = out.toDoubleArray();
        for (int j = 0; j < want.length; j++) assertRelative(what + ": output element " + j, want[j], got[j]);
        out.mul(Tensor.of(doubles(c.getAsJsonArray("c")), out.shape())).sum().backward();
        String[] names = {"x", "w", "b"};
        for (int i = 0; i < xs.length; i++) {
            double[] g = doubles(c.getAsJsonArray("grads").get(i).getAsJsonArray()), mine = xs[i].grad().toDoubleArray();
            assertEquals(g.length, mine.length, what + ": gradient of " + names[i]);
            for (int j = 0; j < g.length; j++) assertRelative(what + ": gradient of " + names[i] + " element " + j, g[j], mine[j]);
        }
    }
}

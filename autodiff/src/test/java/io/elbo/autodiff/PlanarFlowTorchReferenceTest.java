package io.elbo.autodiff;

import static io.elbo.autodiff.TorchReferenceTest.assertRelative;
import static io.elbo.autodiff.TorchReferenceTest.doubles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A differential test of {@link Fused#planarFlow} against PyTorch 1.13 in float64
 * ({@code test-data/torch/planar_reference.py}: the planar steps as the W4 reference model,
 * {@code bench/pytorch_bounds.py}, writes them, differentiated by autograd): one to three samples per datum, one to
 * seventeen data, latent widths 1 to 20, one to eight steps; z_K, Σ log|det| and the gradients of Σ out·c in the
 * codes, u, w and b must match to a relative 1e-10, from the kernel and from the rule's ops on a recorded pass.
 */
class PlanarFlowTorchReferenceTest {
    static Stream<JsonObject> cases() throws IOException {
        return TorchReferenceTest.cases(TestData.path("torch", "planar_reference.json"));
    }

    @Test
    void theCasesCoverSeveralSamplesAStepCountOfEightAndTheW1LatentWidth() throws IOException {
        List<JsonObject> all = cases().toList();
        assertTrue(all.stream().anyMatch(c -> c.get("samples").getAsInt() > 1), "several samples per datum");
        assertTrue(all.stream().anyMatch(c -> c.get("steps").getAsInt() == 8 && c.get("latent").getAsInt() == 20), "planar:8 on 20 dimensions");
        assertTrue(all.stream().anyMatch(c -> c.get("batch").getAsInt() > 16), "more data than a vector's lanes");
    }

    @ParameterizedTest(name = "{index}")
    @MethodSource("cases")
    void planarFlowValuesAndGradientsMatchPyTorchInFloat64(JsonObject c) {
        int s = c.get("samples").getAsInt(), batch = c.get("batch").getAsInt(), d = c.get("latent").getAsInt(), k = c.get("steps").getAsInt();
        String what = "planarFlow S " + s + " B " + batch + " D " + d + " K " + k;
        for (boolean recorded : new boolean[] {false, true}) {
            Tensor z = Tensor.of(doubles(c.getAsJsonArray("z")), s, batch, d).variable();
            Tensor u = Tensor.of(doubles(c.getAsJsonArray("u")), k * d, batch).variable();
            Tensor w = Tensor.of(doubles(c.getAsJsonArray("w")), k * d, batch).variable();
            Tensor b = Tensor.of(doubles(c.getAsJsonArray("b")), k, batch).variable();
            Tensor out = Fused.planarFlow(z, u, w, b);
            double[] want = doubles(c.getAsJsonArray("out")), got = out.detach().toDoubleArray();
            assertEquals(want.length, got.length, what);
            for (int i = 0; i < want.length; i++) assertRelative(what + " out[" + i + "]", want[i], got[i]);
            Tensor loss = out.mul(Tensor.of(doubles(c.getAsJsonArray("c")), s, batch, d + 1)).sum();
            List<Tensor> grads = recorded ? Tape.grad(loss, List.of(z, u, w, b), Tape.options().createGraph()) : Tape.grad(loss, z, u, w, b);
            Tape.clear();
            String[] names = {"z", "u", "w", "b"};
            for (int g = 0; g < 4; g++) {
                double[] expected = doubles(c.getAsJsonArray("grad_" + names[g])), actual = grads.get(g).detach().toDoubleArray();
                for (int i = 0; i < expected.length; i++) {
                    assertRelative(what + " ∂" + names[g] + "[" + i + "]" + (recorded ? " (recorded pass)" : ""), expected[i], actual[i]);
                }
            }
        }
    }
}

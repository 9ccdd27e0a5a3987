package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.elbo.autodiff.Functional.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The functional transforms against closed forms, and against PyTorch's torch.autograd.functional in
 * float64 ({@code test-data/torch/functional_reference.py}, whose functions are rebuilt here by name).
 */
class FunctionalTest {
    static final JsonObject REF;

    static {
        try {
            REF = JsonParser.parseString(Files.readString(TestData.path("torch", "functional_reference.json"))).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static double[] ref(String key) {
        return StreamSupport.stream(REF.getAsJsonArray(key).spliterator(), false).mapToDouble(e -> e.getAsDouble()).toArray();
    }

    static final Tensor W = Tensor.of(ref("W"), 3, 4);

    /** W·x for a vector x (our matmul wants matrices). */
    static Tensor wx(Tensor x) {
        return W.matmul(x.reshape(4, 1)).reshape(3);
    }

    static final Fn F = in -> wx(in[0]).softplus().sum().add(in[0].pow(3).sum().mul(0.1));
    static final Fn G = in -> wx(in[0]).tanh().mul(in[0].slice(0, 0, 3).sin());
    static final Fn H = in -> in[0].matmul(in[1]).sigmoid().sum();
    static final Fn K = in -> in[0].matmul(in[1]).neg().exp();

    static void close(double[] expected, Tensor actual, String what) {
        double[] a = actual.toDoubleArray();
        assertEquals(expected.length, a.length, what + ": size");
        for (int i = 0; i < a.length; i++) {
            assertEquals(expected[i], a[i], 1e-10 * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
        }
    }

    @AfterEach
    void emptyTape() {
        Tape.clear();
    }

    // ---------------------------------------------------------------- against PyTorch

    @Test
    void gradientHessianAndHvpOfAScalarFunctionMatchPyTorch() {
        Tensor x = Tensor.of(ref("x"));
        Functional.ValueAndGrad vg = Functional.valueAndGrad(F, x);
        assertEquals(REF.get("f_value").getAsDouble(), vg.value().item(), 1e-12);
        close(ref("f_grad"), vg.grad().get(0), "grad f");
        Tensor hess = Functional.hessian(F, x);
        assertArrayEquals(new int[] {4, 4}, hess.shape());
        close(ref("f_hessian"), hess, "hessian f");
        close(ref("f_hvp"), Functional.hvp(F, x, Tensor.of(ref("v4"))).derivative(), "hvp f");
    }

    @Test
    void jacobianVjpAndJvpOfAVectorFunctionMatchPyTorchBothWays() {
        Tensor x = Tensor.of(ref("x"));
        close(ref("g_jacobian"), Functional.jacobian(G, Mode.REVERSE, x).get(0), "jacobian g, reverse");
        close(ref("g_jacobian_forward"), Functional.jacobian(G, Mode.FORWARD, x).get(0), "jacobian g, forward");
        assertArrayEquals(new int[] {3, 4}, Functional.jacobian(G, x).shape());
        Functional.ValueAndGrad vjp = Functional.vjp(G, Tensor.of(ref("v3")), x);
        close(ref("g_value"), vjp.value(), "g");
        close(ref("g_vjp"), vjp.grad().get(0), "vjp g");
        Functional.ValueAndDerivative jvp = Functional.jvp(G, x, Tensor.of(ref("t4")));
        close(ref("g_value"), jvp.value(), "g");
        close(ref("g_jvp"), jvp.derivative(), "jvp g");
    }

    @Test
    void functionsOfTwoMatricesMatchPyTorch() {
        Tensor a = Tensor.of(ref("a"), 2, 3), b = Tensor.of(ref("b"), 3, 2);
        List<Tensor> g = Functional.grad(H, a, b);
        close(ref("h_grad_a"), g.get(0), "dh/da");
        close(ref("h_grad_b"), g.get(1), "dh/db");
        for (Mode mode : Mode.values()) {
            List<Tensor> j = Functional.jacobian(K, mode, a, b);
            assertArrayEquals(new int[] {2, 2, 2, 3}, j.get(0).shape());
            assertArrayEquals(new int[] {2, 2, 3, 2}, j.get(1).shape());
            close(ref("k_jacobian_a"), j.get(0), "dk/da " + mode);
            close(ref("k_jacobian_b"), j.get(1), "dk/db " + mode);
        }
        Tensor hess = Functional.hessian(in -> K.apply(in[0], b).sum(), a);
        assertArrayEquals(new int[] {2, 3, 2, 3}, hess.shape());
        close(ref("k_hessian_of_sum"), hess, "hessian of sum k");
    }

    // ---------------------------------------------------------------- closed forms

    @Test
    void closedForms() {
        Tensor x = Tensor.of(1.0, -2.0, 0.5);
        close(new double[] {2, -4, 1}, Functional.grad(in -> in[0].square().sum(), x).get(0), "∇ Σx² = 2x");
        // f(x) = ½ xᵀAx: ∇f = ½(A + Aᵀ)x, H = ½(A + Aᵀ), Hv = ½(A + Aᵀ)v
        Tensor a = Tensor.of(new double[][] {{2, 1, 0}, {3, 4, 1}, {0, -1, 5}});
        Fn quad = in -> in[0].reshape(1, 3).matmul(a).matmul(in[0].reshape(3, 1)).sum().mul(0.5);
        close(new double[] {2, 2, 0, 2, 4, 0, 0, 0, 5}, Functional.hessian(quad, x), "H = sym(A)");
        close(new double[] {2 * 1 + 2 * 0, 2 * 1 + 4 * 0, 5 * 1}, Functional.hvp(quad, x, Tensor.of(1.0, 0.0, 1.0)).derivative(), "Hv");
        // A linear map's Jacobian is its matrix, both ways.
        for (Mode mode : Mode.values()) {
            close(a.toDoubleArray(), Functional.jacobian(in -> a.matmul(in[0].reshape(3, 1)).reshape(3), mode, x).get(0), "J(Ax) " + mode);
        }
        // jvp of an elementwise sin is cos(x)·t.
        Tensor t = Tensor.of(0.3, 1.0, -2.0);
        close(new double[] {Math.cos(1) * 0.3, Math.cos(-2), Math.cos(0.5) * -2}, Functional.jvp(in -> in[0].sin(), x, t).derivative(), "jvp sin");
    }

    @Test
    void transformsNestSoGradOfGradIsTheSecondDerivative() {
        Tensor x = Tensor.of(2.0, -1.0);
        Fn cube = in -> in[0].pow(3).sum();
        Tensor second = Functional.grad(in -> Functional.grad(cube, in[0]).get(0).sum(), x).get(0);
        close(new double[] {12, -6}, second, "d/dx Σ 3x² = 6x");
        Tensor third = Functional.grad(in -> Functional.grad(inner -> Functional.grad(cube, inner[0]).get(0).sum(), in[0]).get(0).sum(), x).get(0);
        close(new double[] {6, 6}, third, "third derivative of x³");
        assertEquals(0, Tape.size(), "a transform whose inputs were constants leaves nothing on the tape");
    }

    @Test
    void auxiliaryOutputsComeBackUndifferentiated() {
        Tensor x = Tensor.of(3.0, 4.0);
        Functional.ValueGradAux<Double> r = Functional.valueAndGradWithAux(in -> {
            Tensor norm = in[0].square().sum().sqrt();
            return new Functional.Aux<>(norm, norm.item() * 10);
        }, x);
        assertEquals(5.0, r.value().item());
        assertEquals(50.0, r.aux());
        close(new double[] {0.6, 0.8}, r.grad().get(0), "∇|x| = x/|x|");
    }

    @Test
    void aGradientThatIsConstantInTheInputsHasAZeroGradientNotAnError() {
        // the report: d/dx (d/dx 3x) = 0, though d(3x)/dx = 3 does not depend on x
        Tensor x = Tensor.scalar(2.0).variable();
        Tensor dx = Tape.grad(x.mul(3), List.of(x), Tape.options().createGraph()).get(0);
        assertEquals(3.0, dx.item());
        assertEquals(0.0, Tape.grad(dx, List.of(x)).get(0).item());
        assertEquals(0.0, Functional.hessian(in -> in[0].mul(3).sum(), Tensor.of(1.0, 2.0)).sum().item());
        assertEquals(0.0, Functional.grad(in -> Tensor.scalar(7), Tensor.of(1.0)).get(0).item(), "a constant function");
        // but a gradient computed without createGraph cannot be differentiated: that is refused, not zero
        Tensor y = Tensor.scalar(2.0).variable();
        Tensor dy = Tape.grad(y.square(), List.of(y)).get(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tape.grad(dy, List.of(y)));
        assertTrue(e.getMessage().contains("backward pass that was not recorded"), e.getMessage());
    }

    @Test
    void transformsLeaveTheCallersTapeAndGradientsAlone() {
        Tensor w = Tensor.of(1.0, 2.0).variable();
        Tensor loss = w.square().sum();
        int before = Tape.size();
        Functional.hessian(in -> in[0].exp().sum(), Tensor.of(0.5, 1.5));
        Functional.jacobian(G, Mode.FORWARD, Tensor.of(ref("x")));
        try (var off = Tape.noGrad()) {
            assertEquals(2.0, Functional.grad(in -> in[0].square().sum(), Tensor.scalar(1.0)).get(0).item(), "works inside noGrad too");
        }
        assertEquals(before, Tape.size());
        assertNull(w.grad());
        loss.backward();
        assertArrayEquals(new double[] {2, 4}, w.grad().toDoubleArray(), "the caller's recorded loss is still whole");
    }

    @Test
    void badCallsSayWhatIsWrong() {
        Tensor x = Tensor.of(1.0, 2.0);
        assertTrue(assertThrows(ShapeException.class, () -> Functional.grad(in -> in[0].exp(), x)).getMessage()
                .contains("f must return one value"));
        assertTrue(assertThrows(ShapeException.class, () -> Functional.jvp(in -> in[0], x, Tensor.of(1.0))).getMessage()
                .contains("tangent 0 is [1]"));
        assertTrue(assertThrows(ShapeException.class, () -> Functional.hvp(in -> in[0].sum(), x, Tensor.of(1.0))).getMessage()
                .contains("hvp: v is [1]"));
        // forward mode through an op whose rule is computed outside the ops is refused, not silently zero
        CustomOp raw = CustomOp.of("rawSquare", in -> in[0].square(),
                (g, out, in, pass) -> pass.grads(() -> {
                    double[] gv = g.toDoubleArray(), xv = in[0].toDoubleArray();
                    for (int i = 0; i < gv.length; i++) gv[i] *= 2 * xv[i];
                    return Tensor.of(gv, in[0].shape());
                }));
        assertArrayEquals(new double[] {2, 4}, Functional.grad(in -> raw.apply(in[0]).sum(), x).get(0).toDoubleArray(), "first order works");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Functional.jvp(in -> raw.apply(in[0]), x, x));
        assertTrue(e.getMessage().startsWith("the derivative rule of 'rawSquare' read a tensor [2] that requires a gradient"
                + " as numbers (toDoubleArray())"), e.getMessage());
    }

    @Test
    void theReadmesExampleValues() {
        Fn f = x -> x[0].pow(3).sum();
        Tensor x = Tensor.of(1.0, 2.0);
        close(new double[] {3, 12}, Functional.grad(f, x).get(0), "grad");
        assertEquals(9.0, Functional.valueAndGrad(f, x).value().item());
        close(new double[] {6, 0, 0, 12}, Functional.hessian(f, x), "hessian");
        close(new double[] {6, 12}, Functional.grad(in -> Functional.grad(f, in[0]).get(0).sum(), x).get(0), "nested");
    }

    static final Fn Q = in -> in[0].matmul(in[1]).tanh().matmul(in[2]).pow(2).log1p().sum();

    static double[] refAt(String key, int... path) {
        com.google.gson.JsonElement e = REF.get(key);
        for (int i : path) e = e.getAsJsonArray().get(i);
        com.google.gson.JsonArray arr = e.getAsJsonArray();
        double[] out = new double[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).getAsDouble();
        return out;
    }

    @Test
    void hessianBlocksAndHvpOfFunctionsOfSeveralInputsMatchPyTorch() {
        Tensor a = Tensor.of(ref("a"), 2, 3), b = Tensor.of(ref("b"), 3, 2), c = Tensor.of(ref("c2"), 2);
        Tensor va = Tensor.of(ref("va"), 2, 3), vb = Tensor.of(ref("vb"), 3, 2), vc = Tensor.of(ref("vc"), 2);
        List<List<Tensor>> hh = Functional.hessian(H, new Tensor[] {a, b});
        int[][] shapes = {{2, 3}, {3, 2}, {2}};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                close(refAt("h_hessian_blocks", i, j), hh.get(i).get(j), "h hessian block " + i + "," + j);
                assertArrayEquals(OpGradientProperties.concat(shapes[i], shapes[j]), hh.get(i).get(j).shape());
            }
        }
        Functional.ValueAndDerivatives hv = Functional.hvp(H, new Tensor[] {a, b}, new Tensor[] {va, vb});
        for (int i = 0; i < 2; i++) close(refAt("h_hvp", i), hv.derivatives().get(i), "h hvp " + i);
        List<List<Tensor>> hq = Functional.hessian(Q, new Tensor[] {a, b, c});
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) close(refAt("q_hessian_blocks", i, j), hq.get(i).get(j), "q hessian block " + i + "," + j);
        }
        Functional.ValueAndDerivatives qv = Functional.hvp(Q, new Tensor[] {a, b, c}, new Tensor[] {va, vb, vc});
        assertEquals(REF.get("q_value").getAsDouble(), qv.value().item(), 1e-12 * Math.abs(REF.get("q_value").getAsDouble()));
        for (int i = 0; i < 3; i++) close(refAt("q_hvp", i), qv.derivatives().get(i), "q hvp " + i);
        assertEquals(0, Tape.size(), "the transforms leave nothing on the tape");
    }
}

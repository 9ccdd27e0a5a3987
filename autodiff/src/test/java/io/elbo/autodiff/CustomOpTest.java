package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Your own op, as README's "Your own op" shows it: recorded like any op, checked by GradCheck to second order. */
class CustomOpTest {
    /** softsign(x) = x / (1 + |x|), d/dx = 1 / (1 + |x|)², its forward written on raw values. */
    static final CustomOp SOFTSIGN = CustomOp.of("softsign",
            x -> {
                double[] v = x[0].toDoubleArray();
                for (int i = 0; i < v.length; i++) v[i] = v[i] / (1 + Math.abs(v[i]));
                return Tensor.fromArray(x[0].dtype(), v, x[0].shape());
            },
            (g, out, x, pass) -> pass.grads(() -> g.div(x[0].abs().add(1).square())));

    /** A two-input op with a broadcast gradient: hypot(a, b) = √(a² + b²). */
    static final CustomOp HYPOT = CustomOp.of("hypot",
            x -> x[0].square().add(x[1].square()).sqrt(),
            (g, out, x, pass) -> pass.grads(() -> g.mul(x[0]).div(out), () -> g.mul(x[1]).div(out)));

    @AfterEach
    void emptyTape() {
        Tape.clear();
    }

    @Test
    void aCustomOpIsOneEntryOnTheTapeAndPassesGradCheckToSecondOrder() {
        Tensor x = Tensor.of(-2.0, -0.3, 0.4, 1.5).variable();
        Tensor y = SOFTSIGN.apply(x);
        assertEquals(1, Tape.size());
        assertEquals("softsign", Tape.entries().get(0).op());
        assertArrayEquals(new double[] {-2 / 3.0, -0.3 / 1.3, 0.4 / 1.4, 1.5 / 2.5}, y.toDoubleArray(), 1e-15);
        y.sum().backward();
        assertArrayEquals(new double[] {1 / 9.0, 1 / 1.69, 1 / 1.96, 1 / 6.25}, x.grad().toDoubleArray(), 1e-15);
        GradCheck.of("softsign", in -> SOFTSIGN.apply(in[0]).sum()).secondOrder(true).check(Tensor.of(-2.0, -0.3, 0.4, 1.5));
        GradCheck.of("hypot, broadcast", in -> HYPOT.apply(in[0], in[1]).mul(in[0]).sum()).secondOrder(true)
                .check(Tensor.of(new double[] {1, -2, 3, 0.5, 2, -1}, 2, 3), Tensor.of(0.7, -1.1, 2.0));
    }

    @Test
    void aWrongRuleIsCaughtByGradCheckAndAMalformedOneByTheTape() {
        CustomOp wrong = CustomOp.of("badSoftsign", SOFTSIGN::apply, (g, out, x, pass) -> pass.grads(() -> g.div(x[0].abs().add(1))));
        GradCheck.GradCheckError e = assertThrows(GradCheck.GradCheckError.class,
                () -> GradCheck.of("badSoftsign", in -> wrong.apply(in[0]).sum()).check(Tensor.of(0.5, -1.0)));
        assertTrue(e.getMessage().contains("badSoftsign"), e.getMessage());

        CustomOp wrongShape = CustomOp.of("wrongShape", in -> in[0].exp(), (g, out, x, pass) -> pass.grads(() -> g.sum()));
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2).variable();
        ShapeException s = assertThrows(ShapeException.class, () -> wrongShape.apply(x).mul(x).sum().backward());
        assertTrue(s.getMessage().contains("'wrongShape' returned a gradient of shape [] float64 for input 0 of shape [2, 2]")
                || s.getMessage().contains("'wrongShape'"), s.getMessage());

        Tape.clear();
        CustomOp none = CustomOp.of("forgetful", in -> in[0].exp(), (g, out, x2, pass) -> new Tensor[1]);
        Tensor y = Tensor.of(1.0, 2.0).variable();
        IllegalStateException n = assertThrows(IllegalStateException.class, () -> none.apply(y).sum().backward());
        assertTrue(n.getMessage().contains("'forgetful' returned no gradient for input 0"), n.getMessage());
    }

    @Test
    void aForwardThatReturnsItsInputStillMakesANewTensor() {
        CustomOp identity = CustomOp.of("identity", in -> in[0], (g, out, x, pass) -> pass.grads(() -> g));
        Tensor x = Tensor.of(1.0, 2.0).variable();
        Tensor y = identity.apply(x);
        assertTrue(x.isLeaf(), "the input stays a leaf");
        y.mul(3).sum().backward();
        assertArrayEquals(new double[] {3, 3}, x.grad().toDoubleArray());
    }

    /** square(x) = x², its rule g·2x with 2x read as numbers: right to first order, a constant to the tape. */
    static final CustomOp MIXED_SQUARE = CustomOp.of("mixedSquare", in -> in[0].square(), (g, out, x, pass) -> pass.grads(() -> {
        double[] twoX = x[0].toDoubleArray();
        for (int i = 0; i < twoX.length; i++) twoX[i] *= 2;
        return g.mul(Tensor.of(twoX, x[0].shape()));
    }));

    @Test
    void aRuleThatMixesOpsWithValuesReadAsNumbersIsRightToFirstOrderAndRefusedNamingTheOpForTheSecond() {
        Tensor x = Tensor.of(1.0, -2.0, 3.0);
        Fn f = in -> MIXED_SQUARE.apply(in[0]).sum();
        assertArrayEquals(new double[] {2, -4, 6}, Functional.grad(f, x).get(0).toDoubleArray(), "first order");
        GradCheck.of("mixedSquare", f).check(x);
        for (org.junit.jupiter.api.function.Executable second : List.<org.junit.jupiter.api.function.Executable>of(
                () -> Functional.hessian(f, x),
                () -> Functional.hvp(f, x, Tensor.of(1.0, 0.0, 0.0)),
                () -> Functional.jvp(in -> MIXED_SQUARE.apply(in[0]), x, Tensor.of(1.0, 0.0, 0.0)),
                () -> Functional.grad(in -> Functional.grad(f, in[0]).get(0).sum(), x))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, second);
            assertEquals("the derivative rule of 'mixedSquare' read a tensor [3] that requires a gradient as numbers"
                    + " (toDoubleArray()) while its backward pass is recorded: to the tape that value is a constant, so a"
                    + " second derivative, Hessian or jvp through 'mixedSquare' would silently miss its part; write the rule"
                    + " with ops, or declare the op onceDifferentiable()", e.getMessage());
            Tape.clear();
        }
    }

    @Test
    void aOnceDifferentiableOpGivesFirstDerivativesAndRefusesEverySecondOrderTransformNamingTheOp() {
        CustomOp once = MIXED_SQUARE.onceDifferentiable();
        assertTrue(once.isOnceDifferentiable() && !MIXED_SQUARE.isOnceDifferentiable(), "a new op; the original is unchanged");
        Tensor x = Tensor.of(1.0, -2.0, 3.0);
        Fn f = in -> once.apply(in[0]).sum();
        assertArrayEquals(new double[] {2, -4, 6}, Functional.grad(f, x).get(0).toDoubleArray());
        GradCheck.of("once", f).check(x);
        // A recorded pass that is never differentiated again is fine: its values are the gradient.
        Tensor v = x.copy().variable();
        List<Tensor> g = Tape.grad(once.apply(v).sum(), List.of(v), Tape.options().createGraph());
        assertArrayEquals(new double[] {2, -4, 6}, g.get(0).toDoubleArray());
        Tape.clear();
        for (org.junit.jupiter.api.function.Executable second : List.<org.junit.jupiter.api.function.Executable>of(
                () -> Functional.hessian(f, x),
                () -> Functional.hvp(f, x, Tensor.of(0.0, 1.0, 0.0)),
                () -> Functional.jvp(in -> once.apply(in[0]), x, Tensor.of(0.0, 1.0, 0.0)),
                () -> GradCheck.of("once", f).secondOrder(true).check(x))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, second);
            assertEquals("the derivative rule of 'mixedSquare' cannot be differentiated again (it is declared"
                    + " onceDifferentiable()): second derivatives, Hessians and forward mode (jvp) need a rule built from ops"
                    + " such as mul and div", e.getMessage());
            Tape.clear();
        }
    }

    @Test
    void aRuleReturningMoreOrFewerGradientsThanTheOpHasInputsIsRefusedNamingTheOp() {
        CustomOp extra = CustomOp.of("extra", in -> in[0].exp(), (g, out, x, pass) -> new Tensor[] {g.mul(out), g});
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> extra.apply(Tensor.of(1.0, 2.0).variable()).sum().backward());
        assertEquals("the derivative rule of 'extra' returned 2 gradients for its 1 input: a rule returns one gradient per"
                + " input, null only where pass.needs(i) is false", e.getMessage());
        Tape.clear();
        CustomOp fewer = CustomOp.of("fewer", in -> in[0].mul(in[1]), (g, out, x, pass) -> new Tensor[] {g.mul(x[1])});
        Tensor a = Tensor.of(1.0, 2.0).variable(), b = Tensor.of(3.0, 4.0);
        IllegalStateException f = assertThrows(IllegalStateException.class, () -> fewer.apply(a, b).sum().backward());
        assertEquals("the derivative rule of 'fewer' returned 1 gradients for its 2 inputs: a rule returns one gradient per"
                + " input, null only where pass.needs(i) is false", f.getMessage());
    }

    @Test
    void anExceptionInsideARuleOrAForwardIsWrappedInOneThatNamesTheOp() {
        CustomOp broken = CustomOp.of("broken", in -> in[0].exp(), (g, out, x, pass) -> {
            throw new ArithmeticException("/ by zero");
        });
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> broken.apply(Tensor.of(1.0).variable()).sum().backward());
        assertEquals("the derivative rule of 'broken' threw ArithmeticException: / by zero", e.getMessage());
        assertTrue(e.getCause() instanceof ArithmeticException, "the original is the cause");
        Tape.clear();
        CustomOp misshapen = CustomOp.of("misshapen", in -> in[0].exp(),
                (g, out, x, pass) -> pass.grads(() -> g.add(Tensor.zeros(DType.FLOAT64, 5))));
        IllegalStateException s = assertThrows(IllegalStateException.class,
                () -> misshapen.apply(Tensor.of(1.0, 2.0).variable()).sum().backward());
        assertEquals("the derivative rule of 'misshapen' threw ShapeException: add: [2] and [5]: cannot broadcast"
                + " (dimension 2 vs 5)", s.getMessage());
        Tape.clear();
        CustomOp badForward = CustomOp.of("badForward", in -> in[0].reshape(3), (g, out, x, pass) -> pass.grads(() -> g));
        IllegalStateException m = assertThrows(IllegalStateException.class, () -> badForward.apply(Tensor.of(1.0, 2.0).variable()));
        assertTrue(m.getMessage().startsWith("the forward of 'badForward' threw ShapeException: reshape"), m.getMessage());
    }

    @Test
    void readingAVariableAsNumbersIsAllowedOutsideARecordedPass() {
        Tensor x = Tensor.of(1.0, 2.0).variable();
        Tensor y = MIXED_SQUARE.apply(x);
        assertArrayEquals(new double[] {1, 2}, x.toDoubleArray());
        assertEquals(4.0, y.get(1));
        y.sum().backward();
        assertArrayEquals(new double[] {2, 4}, x.grad().toDoubleArray());
    }

    @Test
    void aRuleReturningAFreshTensorOfCapturedValuesIsRefusedOnARecordedPassWhileGAndOpsPass() {
        // cube(x) = x³ whose forward saves 3x² as numbers for its rule: a constant to the tape
        double[][] saved = new double[1][];
        CustomOp captured = CustomOp.of("capturedCube", in -> {
            double[] v = in[0].toDoubleArray();
            saved[0] = new double[v.length];
            for (int i = 0; i < v.length; i++) saved[0][i] = 3 * v[i] * v[i];
            return in[0].pow(3);
        }, (g, out, x, pass) -> pass.grads(() -> Tensor.of(saved[0].clone(), x[0].shape())));
        Tensor x = Tensor.of(1.0, -2.0);
        assertArrayEquals(new double[] {3, 12}, Functional.grad(in -> captured.apply(in[0]).sum(), x).get(0).toDoubleArray());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Functional.hessian(in -> captured.apply(in[0]).sum(), x));
        assertEquals("the derivative rule of 'capturedCube' cannot be differentiated again (its result is not written with"
                + " differentiable ops): second derivatives, Hessians and forward mode (jvp) need a rule built from ops such as"
                + " mul and div", e.getMessage());
        Tape.clear();
        // returning g itself (a linear op) or an input is differentiable: the Hessian of Σ identity(x)·x is 2I
        CustomOp identity = CustomOp.of("identity", in -> in[0].copy(), (g, out, in, pass) -> pass.grads(() -> g));
        assertArrayEquals(new double[] {2, 0, 0, 2},
                Functional.hessian(in -> identity.apply(in[0]).mul(in[0]).sum(), x).toDoubleArray());
        CustomOp times = CustomOp.of("times", in -> in[0].mul(in[1]), (g, out, in, pass) -> pass.grads(() -> g.mul(in[1]), () -> in[0].mul(g)));
        Tensor y = Tensor.of(0.5, 3.0);
        List<List<Tensor>> h = Functional.hessian(in -> times.apply(in[0], in[1]).sum(), new Tensor[] {x, y});
        assertArrayEquals(new double[] {1, 0, 0, 1}, h.get(0).get(1).toDoubleArray(), "∂²(Σ x·y)/∂x∂y = I");
        assertArrayEquals(new double[] {0, 0, 0, 0}, h.get(0).get(0).toDoubleArray());
    }
}

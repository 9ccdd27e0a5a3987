package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}

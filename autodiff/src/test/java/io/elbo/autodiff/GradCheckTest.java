package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GradCheck must catch each kind of wrong derivative it claims to check, and name it. */
class GradCheckTest {
    @AfterEach
    void emptyTape() {
        Tape.clear();
    }

    /** A user-defined op: out = x³ with the derivative rule given (g ↦ ∂L/∂x). */
    static Tensor cube(Tensor x, java.util.function.UnaryOperator<Tensor> rule) {
        Tensor out;
        try (var off = Tape.noGrad()) {
            out = x.mul(x).mul(x);
        }
        return Tape.record("cube", out, (g, p) -> new Tensor[] {rule.apply(g)}, x);
    }

    static final Tensor INPUT = Tensor.of(new double[] {0.5, -1.0, 2.0, 1.5}, 2, 2);

    @Test
    void aCorrectCustomOpPassesToSecondOrder() {
        GradCheck.of("cube", in -> cube(in[0], g -> g.mul(in[0].square().mul(3)))).secondOrder(true).check(INPUT);
    }

    @Test
    void aWrongDerivativeIsReportedAtItsWorstElementWithBothValues() {
        // 3x² everywhere except element [1, 0], where the rule is off by a lot, and [0, 1], off a little.
        Tensor error = Tensor.of(new double[] {0, 0.01, 5, 0}, 2, 2);
        GradCheck.GradCheckError e = assertThrows(GradCheck.GradCheckError.class, () ->
                GradCheck.of("cube", in -> cube(in[0], g -> g.mul(in[0].square().mul(3).add(error)))).check(INPUT));
        String m = e.getMessage();
        assertTrue(m.startsWith("GradCheck 'cube': 2 Jacobian entries differ; the worst is input 0 element [1, 0]"), m);
        assertTrue(m.contains("analytic 17.0, numeric 12.0000"), m);
    }

    @Test
    void aNonDeterministicBackwardIsCaught() {
        AtomicInteger calls = new AtomicInteger();
        GradCheck.GradCheckError e = assertThrows(GradCheck.GradCheckError.class, () ->
                GradCheck.of("cube", in -> cube(in[0], g -> g.mul(in[0].square().mul(3))
                        .add(calls.incrementAndGet() % 2 == 0 ? 1e-12 : 0))).fullJacobianLimit(0).check(INPUT));
        assertTrue(e.getMessage().contains("backward run twice differs"), e.getMessage());
    }

    @Test
    void aGradientThatIsNotZeroForAZeroSeedIsCaught() {
        GradCheck.GradCheckError e = assertThrows(GradCheck.GradCheckError.class, () ->
                GradCheck.of("cube", in -> cube(in[0], g -> g.mul(in[0].square().mul(3)).add(1e-3))).check(INPUT));
        assertTrue(e.getMessage().contains("a zero upstream gradient gives"), e.getMessage());
    }

    @Test
    void theRandomDirectionCheckCatchesAWrongDerivativeOnLargeInputs() {
        Tensor big = Tensor.arange(-1, 1, 2.0 / 4096, DType.FLOAT64).reshape(64, 64);
        GradCheck.GradCheckError e = assertThrows(GradCheck.GradCheckError.class, () ->
                GradCheck.of("cube", in -> cube(in[0], g -> g.mul(in[0].square().mul(2.9)))).check(big));
        assertTrue(e.getMessage().contains("random direction"), e.getMessage());
    }

    @Test
    void aBackwardPassThatCannotBeDifferentiatedAgainIsCaught() {
        // The rule's value is right (3x²), but it is built from a detached x, so the recorded
        // backward pass says its own derivative is 0 where it is 6x.
        GradCheck.GradCheckError e = assertThrows(GradCheck.GradCheckError.class, () ->
                GradCheck.of("cube", in -> cube(in[0], g -> g.mul(in[0].detach().square().mul(3))))
                        .secondOrder(true).check(INPUT));
        assertTrue(e.getMessage().startsWith("GradCheck 'cube (second order)'"), e.getMessage());
    }
}

package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.elbo.autodiff.DType;
import io.elbo.autodiff.GradCheck;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

/**
 * The continuous Bernoulli likelihood ({@code vae train --likelihood continuous-bernoulli}): a density on
 * [0, 1] for every λ, its log-normaliser stable at λ = ½ and at the ends, its mean, its gradients to second
 * order, and PyTorch's {@code torch.distributions.ContinuousBernoulli} as a float64 reference.
 */
class ContinuousBernoulliTest {
    static final Path REFERENCE = TestData.path("torch", "continuous_bernoulli_reference.json");

    /** p(x | λ) at the nodes of composite Simpson's rule on [0, 1] with n intervals (even), in float64. */
    static double simpson(double logit, int n, boolean firstMoment) {
        double[] xs = new double[n + 1];
        for (int i = 0; i <= n; i++) xs[i] = (double) i / n;
        Tensor l = Tensor.full(logit, DType.FLOAT64, n + 1);
        double[] lp = new ContinuousBernoulli(l).logProb(Tensor.of(xs, n + 1)).toDoubleArray();
        double s = 0;
        for (int i = 0; i <= n; i++) {
            double w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
            s += w * Math.exp(lp[i]) * (firstMoment ? xs[i] : 1);
        }
        return s / (3.0 * n);
    }

    /** ∫₀¹ CB(x; λ) dx = 1 for every λ in (0, 1): the normaliser makes it a density (Simpson's rule, 2 000 intervals). */
    @Property(tries = 200)
    void theDensityIntegratesToOneForEveryLambda(@ForAll @DoubleRange(min = -12, max = 12) double logit) {
        // The integrand is e^{ℓx} up to a constant: its fourth derivative ℓ⁴·p bounds Simpson's error by ℓ⁴/(180·n⁴)·max p.
        assertEquals(1, simpson(logit, 2000, false), 1e-10, "∫ CB(x; σ(" + logit + ")) dx");
    }

    /** The same near λ = ½, where the Taylor branch computes the normaliser, and exactly at ½ (C = 2). */
    @Test
    void theDensityIntegratesToOneAroundTheTaylorCut() {
        for (double l : new double[] {0, 1e-300, -1e-9, 1e-4, -0.0123, 0.049999, 0.05, -0.05, 0.050001, 0.3}) {
            assertEquals(1, simpson(l, 2000, false), 1e-12, "∫ CB(x; σ(" + l + ")) dx");
        }
    }

    /** The mean is ∫ x CB(x; λ) dx, on both sides of the cut and far from it. */
    @Property(tries = 100)
    void theMeanIsTheFirstMoment(@ForAll @DoubleRange(min = -12, max = 12) double logit) {
        double mean = new ContinuousBernoulli(Tensor.of(logit)).mean().item();
        assertEquals(simpson(logit, 2000, true), mean, 1e-10, "E[x] at logit " + logit);
        assertTrue(mean > 0 && mean < 1);
    }

    /** log C(ℓ) → log |ℓ| at the ends (tanh(ℓ/2) → ±1): finite and exact where probabilities would round to 0 or 1. */
    @Test
    void theLogNormaliserIsExactAtTheEnds() {
        for (double l : new double[] {-1e6, -800, -40, 40, 800, 1e6}) {
            double got = new ContinuousBernoulli(Tensor.of(l)).logNormalizer().item();
            assertEquals(Math.log(Math.abs(l)), got, 1e-15 * Math.log(Math.abs(l)), "log C at " + l);
        }
        double[] mean = new ContinuousBernoulli(Tensor.of(-800, 800)).mean().toDoubleArray();
        assertEquals(1 / 800.0, mean[0], 1e-18);
        assertEquals(1 - 1 / 800.0, mean[1], 1e-15);
    }

    /** Both branches of log C agree at the cut to float64 rounding: the Taylor series is the function there. */
    @Test
    void theTaylorBranchMeetsTheClosedForm() {
        double c = ContinuousBernoulli.TAYLOR_CUT;
        for (double l : new double[] {c * (1 - 1e-12), -c * (1 - 1e-12)}) {
            double taylor = new ContinuousBernoulli(Tensor.of(l)).logNormalizer().item();
            double exact = Math.log(l / Math.tanh(l / 2));
            assertEquals(exact, taylor, 4e-16);
        }
    }

    /** GradCheck in float64, first and second order, of Σ log CB(x; σ(ℓ)) in ℓ and x, with logits on both sides of the cut. */
    @Test
    void logProbPassesGradCheckToSecondOrder() {
        Tensor logits = Tensor.of(new double[] {-7, -1.2, -0.2, -0.04, -0.001, 0.01, 0.03, 0.07, 0.9, 5}, 2, 5);
        Tensor x = Tensor.of(new double[] {0.1, 0.9, 0.5, 0.33, 0, 1, 0.2, 0.7, 0.45, 0.6}, 2, 5);
        GradCheck.of("continuous Bernoulli log_prob", in -> new ContinuousBernoulli(in[0]).logProb(in[1]).sum())
                .secondOrder(true).check(logits, x);
        GradCheck.of("continuous Bernoulli mean", in -> new ContinuousBernoulli(in[0]).mean().square().sum()).secondOrder(true).check(logits);
    }

    /** PyTorch 1.13's ContinuousBernoulli in float64: log_prob, its gradient in the logits, and the mean, to 1e-10 relative. */
    @Test
    void matchesPyTorchInFloat64() throws Exception {
        JsonObject ref = JsonParser.parseString(Files.readString(REFERENCE)).getAsJsonObject();
        double[] logits = doubles(ref.getAsJsonArray("logits")), x = doubles(ref.getAsJsonArray("x"));
        double[] logProb = doubles(ref.getAsJsonArray("log_prob")), grad = doubles(ref.getAsJsonArray("grad_logits"));
        double[] mean = doubles(ref.getAsJsonArray("mean"));
        Tensor l = Tensor.of(logits, logits.length).requiresGrad(true);
        Tensor lp = new ContinuousBernoulli(l).logProb(Tensor.of(x, x.length));
        lp.sum().backward();
        double[] got = lp.toDoubleArray(), g = l.grad().toDoubleArray();
        double[] m = new ContinuousBernoulli(Tensor.of(logits, logits.length)).mean().toDoubleArray();
        for (int i = 0; i < logits.length; i++) {
            String at = " at logit " + logits[i] + ", x " + x[i];
            assertEquals(logProb[i], got[i], 1e-10 * Math.max(1, Math.abs(logProb[i])), "log_prob" + at);
            assertEquals(grad[i], g[i], 1e-10 * Math.max(1, Math.abs(grad[i])), "d log_prob / d logit" + at);
            assertEquals(mean[i], m[i], 1e-10, "mean" + at);
        }
    }

    /** The likelihood part is the distribution summed over a row's pixels, and its mean is the distribution's. */
    @Test
    void theLikelihoodPartSumsTheDistributionOverPixels() {
        Tensor d = Tensor.of(new double[] {-2, 0, 0.01, 3, 0.5, -0.3}, 2, 3);
        Tensor x = Tensor.of(new double[] {0.2, 0.4, 1, 0, 0.7, 0.5}, 2, 3);
        double[] rows = new ContinuousBernoulliLikelihood().logProb(x, d).toDoubleArray();
        double[] each = new ContinuousBernoulli(d).logProb(x).toDoubleArray();
        assertEquals(each[0] + each[1] + each[2], rows[0], 1e-15);
        assertEquals(each[3] + each[4] + each[5], rows[1], 1e-15);
    }

    static double[] doubles(JsonArray a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsDouble();
        return out;
    }
}

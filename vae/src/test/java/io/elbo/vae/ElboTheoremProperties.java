package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.Tensor;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The seeds' theorems about the ELBO, as properties over generated models, data and approximate
 * posteriors. Each property's name states the theorem it checks.
 */
@net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true) // statistics are shown when a property fails
class ElboTheoremProperties {

    static Arbitrary<Double> decimals(double lo, double hi) {
        return Arbitraries.doubles().between(lo, hi).ofScale(10);
    }

    static Arbitrary<double[]> vectors(int n, double lo, double hi) {
        return decimals(lo, hi).array(double[].class).ofSize(n);
    }

    /** A linear-Gaussian model with data dimension D ≤ 4, latent K ≤ 3, a data point and a Gaussian q. */
    record Case(LinearGaussian model, double[] x, MultivariateNormal q) {
        @Override
        public String toString() {
            return "Case[" + model + ", x=" + java.util.Arrays.toString(x) + ", q.mean=" + java.util.Arrays.toString(q.mean())
                    + ", q.cov=" + java.util.Arrays.deepToString(q.cov()) + "]";
        }
    }

    @Provide
    Arbitrary<Case> linearGaussianCases() {
        return Combinators.combine(Arbitraries.integers().between(1, 4), Arbitraries.integers().between(1, 3)).flatAs((d, k) ->
                Combinators.combine(vectors(d * k, -2, 2), vectors(d, -1, 1), decimals(0.1, 2), vectors(d, -3, 3),
                        vectors(k, -2, 2), vectors(k, 0.05, 3), vectors(k * k, -0.5, 0.5)).as((w, b, s2, x, m, v, off) -> {
                    double[][] wm = new double[d][k];
                    for (int i = 0; i < d; i++) System.arraycopy(w, i * k, wm[i], 0, k);
                    // A full covariance for q: diag(v) + a small symmetric off-diagonal part, kept positive definite.
                    double[][] cov = new double[k][k];
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) cov[i][j] = i == j ? v[i] : 0.3 * Math.sqrt(v[i] * v[j]) * (off[i * k + j] + off[j * k + i]) / 2;
                    }
                    return new Case(new LinearGaussian(wm, b, s2), x, new MultivariateNormal(m, cov));
                }));
    }

    // ------------------------------------------------------------------ KL

    @Provide
    Arbitrary<Normal[]> normalPairs() {
        return Arbitraries.integers().between(1, 5).flatMap(n -> Combinators.combine(
                vectors(n, -3, 3), vectors(n, -2, 1.5), vectors(n, -3, 3), vectors(n, -2, 1.5)).as((mq, lq, mp, lp) -> new Normal[] {
                    Normal.fromLogVar(Tensor.of(mq, n), Tensor.of(lq, n)),
                    Normal.fromLogVar(Tensor.of(mp, n), Tensor.of(lp, n))}));
    }

    @Property(tries = 200)
    void klIsNonNegativeAndZeroExactlyWhenQEqualsP(@ForAll("normalPairs") Normal[] qp) {
        Normal q = qp[0], p = qp[1];
        double[] kl = Divergences.klNormalNormal(q, p).toDoubleArray();
        double[] rq = q.stddev().toDoubleArray(), rp = p.stddev().toDoubleArray();
        double[] mq = q.mean().toDoubleArray(), mp = p.mean().toDoubleArray();
        for (int i = 0; i < kl.length; i++) {
            boolean same = rq[i] == rp[i] && mq[i] == mp[i];
            // Strictly positive once q and p differ by more than rounding: KL ≈ ½t² + ¼d² for small
            // t, d, which float64 resolves when |t| or |d| exceeds about 1e-7.
            double t = (mq[i] - mp[i]) / rp[i], d = rq[i] * rq[i] / (rp[i] * rp[i]) - 1;
            boolean distinct = Math.abs(t) > 1e-7 || Math.abs(d) > 1e-7;
            Statistics.label("q and p in this coordinate").collect(same ? "equal" : distinct ? "distinct" : "within rounding");
            assertTrue(kl[i] >= 0, "KL(q‖p) ≥ 0, got " + kl[i]);
            if (same) assertEquals(0.0, kl[i], 0.0, "KL(q‖q) = 0");
            if (distinct) assertTrue(kl[i] > 0, "KL(q‖p) > 0 when q ≠ p, got " + kl[i]);
        }
        assertArrayZero(Divergences.klNormalNormal(q, q).toDoubleArray());
        assertArrayZero(Divergences.klNormalNormal(p, p).toDoubleArray());
    }

    static void assertArrayZero(double[] v) {
        for (double x : v) assertEquals(0.0, x, 0.0);
    }

    /**
     * False-failure rate: a mean of 4 000 independent log-ratios against the closed form at 5 standard errors
     * (two-sided normal tail 5.7·10⁻⁷), 20 tries: about 10⁻⁵ per run.
     */
    @Property(tries = 20)
    void closedFormKlEqualsTheMonteCarloEstimateWithinFiveStandardErrors(@ForAll("normalPairs") Normal[] qp, @ForAll long seed) {
        double closed = Divergences.klNormalNormal(qp[0], qp[1]).sum().item();
        Divergences.Estimate mc = Divergences.klMonteCarlo(qp[0], qp[1], RandomSource.XO_RO_SHI_RO_128_PP.create(seed), 4000);
        assertTrue(Math.abs(closed - mc.mean()) <= 5 * mc.standardError(),
                "closed form " + closed + ", Monte Carlo " + mc.mean() + " ± " + mc.standardError());
    }

    // ------------------------------------------------------------------ the bound and the identity

    @Property(tries = 300)
    void elboNeverExceedsTheEvidenceForAnyGaussianQInTheLinearGaussianModel(@ForAll("linearGaussianCases") Case c) {
        // log p(x) (a Cholesky of WWᵀ + σ²I) and the ELBO (expectations under q) are computed by
        // independent formulas, each exact to a few hundred ulps; as q approaches the posterior the
        // true gap goes to 0, so the comparison allows that rounding and nothing more.
        double logP = c.model().logEvidence(c.x());
        double gap = logP - c.model().elbo(c.x(), c.q());
        Statistics.label("latent dimension").collect(c.model().latentDim());
        assertTrue(gap >= -1e-12 * (1 + Math.abs(logP)), "log p(x) − ELBO = " + gap);
    }

    @Property(tries = 300)
    void evidenceMinusElboEqualsTheKlFromQToTheExactPosterior(@ForAll("linearGaussianCases") Case c) {
        double logP = c.model().logEvidence(c.x()), elbo = c.model().elbo(c.x(), c.q());
        double kl = MultivariateNormal.kl(c.q(), c.model().posterior(c.x()));
        assertEquals(kl, logP - elbo, 1e-9, "log p(x) − ELBO = KL(q(z|x) ‖ p(z|x))");
    }

    @Property(tries = 300)
    void elboEqualsTheEvidenceWhenQIsTheExactPosterior(@ForAll("linearGaussianCases") Case c) {
        MultivariateNormal posterior = c.model().posterior(c.x());
        assertEquals(c.model().logEvidence(c.x()), c.model().elbo(c.x(), posterior), 1e-9);
    }

    @Property(tries = 300)
    void theStandardFormEqualsTheDefinition(@ForAll("linearGaussianCases") Case c) {
        // E_q[log p(x|z)] − KL(q ‖ p(z)) = E_q[log p(x, z) − log q(z|x)], both in closed form.
        assertEquals(c.model().elboByDefinition(c.x(), c.q()), c.model().elbo(c.x(), c.q()), 1e-9);
    }

    @Property(tries = 100)
    void theStandardFormEqualsTheDefinitionSampleBySample(@ForAll("linearGaussianCases") Case c, @ForAll long seed) {
        // With the same samples, mean log p(x|z) − mean[log q(z) − log p(z)] is mean[log p(x,z) − log q(z)].
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
        double recon = 0, kl = 0, definition = 0;
        int n = 50;
        for (int i = 0; i < n; i++) {
            double[] z = c.q().sample(rng);
            double lq = c.q().logProb(z), lp = c.model().logPrior(z), ll = c.model().logLikelihood(c.x(), z);
            recon += ll / n;
            kl += (lq - lp) / n;
            definition += (c.model().logJoint(c.x(), z) - lq) / n;
        }
        assertEquals(definition, recon - kl, 1e-9 * (1 + Math.abs(definition)));
    }

    // ------------------------------------------------------------------ the nonlinear model

    @Provide
    Arbitrary<double[][]> quadratureCases() {
        return Arbitraries.integers().between(1, 3).flatMap(d -> Combinators.combine(vectors(d, -2, 2), vectors(d, -1, 1),
                decimals(0.2, 1), vectors(d, -1.2, 1.2), decimals(-2, 2), decimals(0.1, 2))
                .as((a, c, s2, x, m, s) -> new double[][] {a, c, {s2}, x, {m, s}}));
    }

    @Property(tries = 100)
    void elboNeverExceedsTheEvidenceInTheNonlinearModel(@ForAll("quadratureCases") double[][] c) {
        QuadratureModel model = new QuadratureModel(c[0], c[1], c[2][0], 2001);
        double error = model.quadratureError(c[3]);
        assertTrue(error < 1e-10, "quadrature error " + error);
        double gap = model.logEvidence(c[3]) - model.elbo(c[3], c[4][0], c[4][1]);
        assertTrue(gap >= -2 * error - 1e-10, "log p(x) − ELBO = " + gap + " (quadrature error " + error + ")");
    }

    // ------------------------------------------------------------------ Jensen

    @Property(tries = 300)
    void jensenLogOfTheMeanIsAtLeastTheMeanOfTheLog(@ForAll("positiveSamples") double[] y) {
        double[] logs = new double[y.length];
        double meanLog = 0;
        for (int i = 0; i < y.length; i++) meanLog += (logs[i] = Math.log(y[i])) / y.length;
        double logMean = Estimators.logMeanExp(logs);
        // The gap log E[Y] − E[log Y] ≈ Var(log Y)/2. Where log Y spreads by more than 1e-6 the gap
        // (≥ 1e-13) is far above the rounding of either side (~1e-15 here) and must be positive; a
        // spread below that is a constant Y up to rounding, where both sides agree to rounding.
        double spread = java.util.Arrays.stream(logs).max().orElse(0) - java.util.Arrays.stream(logs).min().orElse(0);
        boolean constant = spread <= 1e-6;
        Statistics.label("Y constant (up to rounding)").collect(constant);
        Statistics.label("Y constant (up to rounding)").coverage(cov -> cov.check(true).count(n -> n > 0));
        if (constant) assertEquals(meanLog, logMean, 1e-12 * (1 + Math.abs(meanLog)), "equality for a constant Y");
        else assertTrue(logMean > meanLog, "log E[Y] = " + logMean + " ≤ E[log Y] = " + meanLog);
    }

    @Provide
    Arbitrary<double[]> positiveSamples() {
        Arbitrary<double[]> spread = decimals(-20, 20).map(Math::exp).array(double[].class).ofMinSize(1).ofMaxSize(50);
        Arbitrary<double[]> constant = Combinators.combine(decimals(-5, 5), Arbitraries.integers().between(1, 10))
                .as((v, n) -> java.util.stream.DoubleStream.generate(() -> Math.exp(v)).limit(n).toArray());
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, spread), net.jqwik.api.Tuple.of(1, constant));
    }

    // ------------------------------------------------------------------ importance weighting

    @Property(tries = 50)
    void iwaeWithOneSampleIsTheElboEstimator(@ForAll("linearGaussianCases") Case c, @ForAll long seed) {
        double l1 = Estimators.iwae(c.model(), c.x(), c.q(), RandomSource.XO_RO_SHI_RO_128_PP.create(seed), 1);
        double[] z = c.q().sample(RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
        assertEquals(c.model().logJoint(c.x(), z) - c.q().logProb(z), l1, 1e-12 * (1 + Math.abs(l1)));
    }

    /** E[L̂_k] over many seeds, with its standard error. */
    static Divergences.Estimate expectedIwae(Case c, int k, int repetitions, long seed) {
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
        RunningMean m = new RunningMean();
        for (int r = 0; r < repetitions; r++) m.add(Estimators.iwae(c.model(), c.x(), c.q(), rng, k));
        return m.estimate();
    }

    /**
     * False-failure rate: per try, ten one-sided comparisons of means of 400 independent L_k estimates at 5
     * standard errors (normal tail 2.9·10⁻⁷ each), 8 tries: about 2·10⁻⁵ per run.
     */
    @Property(tries = 8)
    void iwaeBoundsIncreaseWithKAndStayBelowTheEvidenceInExpectation(@ForAll("linearGaussianCases") Case c, @ForAll long seed) {
        double logP = c.model().logEvidence(c.x());
        // Five standard errors for sampling, plus rounding: where q is the exact posterior every
        // weight equals p(x) and the bounds equal log p(x), computed by another formula (as in the
        // ELBO ≤ log p(x) property), so they may differ from it by a few ulps.
        double rounding = 1e-12 * (1 + Math.abs(logP));
        int[] ks = {1, 2, 5, 20, 100};
        Divergences.Estimate previous = null;
        for (int k : ks) {
            Divergences.Estimate e = expectedIwae(c, k, 400, seed + k);
            assertTrue(e.mean() <= logP + 5 * e.standardError() + rounding,
                    "L_" + k + " = " + e.mean() + " ± " + e.standardError() + " > log p(x) = " + logP);
            if (previous != null) {
                double se = Math.hypot(previous.standardError(), e.standardError());
                assertTrue(e.mean() >= previous.mean() - 5 * se - rounding,
                        "L_" + k + " = " + e.mean() + " below the previous bound " + previous.mean() + " ± " + se);
            }
            previous = e;
        }
    }

    /**
     * False-failure rate: the gap's decrease is detected at 5 standard errors of a mean of 400 independent
     * L_1000 estimates; over 1 500 generated cases its smallest margin was 22 standard errors (with 40
     * estimates, and L_1's mean estimated instead of exact, it was 5, and a CI run failed on such a case).
     * The over-dispersed comparison below is one one-sided test at 5 standard errors (2.9·10⁻⁷). 8 tries:
     * below 10⁻⁵ per run.
     */
    @Property(tries = 8)
    void iwaeClosesTheGapToTheEvidenceAsKGrows(@ForAll("linearGaussianCases") Case c, @ForAll long seed) {
        // For any q, the gap log p(x) − L_k shrinks from k = 1 to k = 1000. E[L_1] is the ELBO exactly
        // (iwaeWithOneSampleIsTheElboEstimator), so the k = 1 gap is taken in closed form: KL(q ‖ posterior).
        double logP = c.model().logEvidence(c.x());
        double kl = logP - c.model().elbo(c.x(), c.q()), rounding = 1e-12 * (1 + Math.abs(logP));
        Divergences.Estimate l1000 = expectedIwae(c, 1000, 400, seed + 1);
        double se = l1000.standardError();
        // Where q is the posterior, both gaps are 0 up to rounding (the weights are all p(x)): nothing to close.
        assertTrue(logP - l1000.mean() < kl - 5 * se || kl < 5 * se + rounding,
                "gap at k = 1: " + kl + ", at k = 1000: " + (logP - l1000.mean()) + " (± " + se + ")");

        // For an over-dispersed proposal (the posterior with twice its covariance) the weights have
        // finite variance and the gap falls like Var(w)/(2k): at k = 1000 it is below 1 % of the k = 1 gap.
        MultivariateNormal post = c.model().posterior(c.x());
        double[][] wide = new double[post.dim()][post.dim()];
        for (int i = 0; i < wide.length; i++) for (int j = 0; j < wide.length; j++) wide[i][j] = 2 * post.cov()[i][j];
        Case over = new Case(c.model(), c.x(), new MultivariateNormal(post.mean(), wide));
        Divergences.Estimate o1 = expectedIwae(over, 1, 4000, seed + 2), o1000 = expectedIwae(over, 1000, 40, seed + 3);
        double gap1 = logP - o1.mean(), gap1000 = logP - o1000.mean();
        assertTrue(gap1000 <= 0.01 * gap1 + 5 * o1000.standardError(), "over-dispersed q: gap at k = 1: " + gap1
                + ", at k = 1000: " + gap1000 + " ± " + o1000.standardError());
    }

    // ------------------------------------------------------------------ EM

    @Provide
    Arbitrary<double[]> mixtureData() {
        return Combinators.combine(Arbitraries.integers().between(2, 4), Arbitraries.longs(), Arbitraries.integers().between(20, 200))
                .as((k, seed, n) -> {
                    UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
                    double[] data = new double[n];
                    for (int i = 0; i < n; i++) {
                        int comp = rng.nextInt(k);
                        data[i] = 3 * comp + (0.3 + comp * 0.4) * MultivariateNormal.diagonal(new double[] {0}, new double[] {1}).sample(rng)[0];
                    }
                    return data;
                });
    }

    static GaussianMixture initialMixture(double[] data, int k) {
        double[] w = new double[k], m = new double[k], v = new double[k];
        double min = java.util.Arrays.stream(data).min().orElse(0), max = java.util.Arrays.stream(data).max().orElse(1);
        for (int i = 0; i < k; i++) {
            w[i] = 1.0 / k;
            m[i] = min + (max - min) * (i + 0.5) / k;
            v[i] = 1;
        }
        return new GaussianMixture(w, m, v);
    }

    @Property(tries = 60)
    void emNeverDecreasesTheLogLikelihood(@ForAll("mixtureData") double[] data, @ForAll @IntRange(min = 1, max = 4) int k) {
        List<GaussianMixture.Iteration> its = GaussianMixture.fit(initialMixture(data, k), data, 40);
        for (int i = 1; i < its.size(); i++) {
            double before = its.get(i - 1).logLikelihood(), after = its.get(i).logLikelihood();
            assertTrue(after >= before - 1e-9 * Math.abs(before), "iteration " + i + ": " + before + " -> " + after);
        }
    }

    @Property(tries = 60)
    void afterEachEStepTheElboEqualsTheLogLikelihood(@ForAll("mixtureData") double[] data, @ForAll @IntRange(min = 1, max = 4) int k) {
        for (GaussianMixture.Iteration it : GaussianMixture.fit(initialMixture(data, k), data, 20)) {
            assertEquals(it.logLikelihood(), it.elboAfterEStep(), 1e-9 * Math.abs(it.logLikelihood()));
        }
    }

}

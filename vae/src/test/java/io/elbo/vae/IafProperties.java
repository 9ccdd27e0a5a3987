package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Functional;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The inverse autoregressive flow posterior ({@code vae train --flow iaf:K}): each step's Jacobian is triangular
 * in the step's order (MADE's masks at work) with log|det| its log-determinant (Functional.jacobian, float64);
 * a sample's log q is the change of variables through every step; the density integrates to 1 in one and two
 * dimensions; and on an exact model the ELBO and L_k stay below log p(x) with L_k rising in k.
 */
class IafProperties {
    /** An IAF posterior for one datum in D dimensions with K steps, built by the VAE's head on random features. */
    static IafPosterior flow(long seed, int d, int steps) {
        Random r = new Random(seed);
        IafPosterior.Head head = new IafPosterior.Head(6, d, steps, VaeIsPpcaProperties.rng(seed), DType.FLOAT64);
        double[] features = new double[6];
        for (int i = 0; i < 6; i++) features[i] = 2 * r.nextGaussian();
        try (var off = Tape.noGrad()) {
            return head.posterior(Tensor.of(features, 1, 6));
        }
    }

    /** ∂f_k(z)ᵢ/∂zⱼ = 0 for j after i in step k's order, and log|det ∂f_k/∂z| = Σ log σ: MADE's masks and the update's algebra. */
    @Property(tries = 40)
    void eachStepsJacobianIsTriangularInItsOrderWithItsLogDeterminant(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int d) {
        IafPosterior q = flow(seed, d, 3);
        Random r = new Random(seed + 1);
        for (int k = 0; k < q.steps(); k++) {
            double[] z = new double[d];
            for (int i = 0; i < d; i++) z[i] = 2 * r.nextGaussian();
            int step = k;
            double[] j = Functional.jacobian(in -> q.step(step, in[0].reshape(1, 1, d))[0].reshape(d), Tensor.of(z, d)).toDoubleArray();
            for (int i = 0; i < d; i++) {
                for (int c = 0; c < d; c++) {
                    if (IafPosterior.degree(k, c, d) > IafPosterior.degree(k, i, d)) {
                        assertEquals(0, j[i * d + c], 0, "step " + k + ": ∂z'" + i + "/∂z" + c + " comes later in the order");
                    }
                }
            }
            double want = Math.log(Math.abs(PlanarFlowProperties.det(j, d)));
            double got;
            try (var off = Tape.noGrad()) {
                got = q.step(k, Tensor.of(z, 1, 1, d))[1].item();
            }
            assertEquals(want, got, 1e-10 * Math.max(1, Math.abs(want)), "step " + k);
        }
    }

    /** log q(z_K|x) = Σ(−½ε²) − (D/2)·log 2π − log|det ∂z_K/∂ε|, through every step. */
    @Property(tries = 30)
    void aSamplesLogDensityIsTheChangeOfVariablesThroughEveryStep(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int d,
                                                                  @ForAll @IntRange(min = 1, max = 3) int steps) {
        PlanarFlowProperties.assertChangeOfVariables(flow(seed, d, steps), d, new Random(seed + 2));
    }

    /** ∫ q(z_K|x) dz_K = 1 in one dimension (trapezoid rule, each grid point's ε by bisection: the flow is increasing). */
    @Property(tries = 4)
    void theFlowsDensityIntegratesToOneInOneDimension(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int steps) {
        assertEquals(1, PlanarFlowProperties.integral1(flow(seed, 1, steps)), 1e-6);
    }

    /** ∫ q(z_K|x) dz_K = 1 in two dimensions (trapezoid rule, each point's ε by Newton's method). */
    @Test
    void theFlowsDensityIntegratesToOneInTwoDimensions() {
        for (long seed : new long[] {3, 4}) assertEquals(1, PlanarFlowProperties.integral2(flow(seed, 2, 2)), 1e-5, "seed " + seed);
    }

    /** On an exact model (pPCA), with an IAF posterior: E[ELBO] ≤ log p(x), E[L_1] ≤ E[L_8] ≤ log p(x), L_1 the ELBO estimator. */
    @Property(tries = 8)
    void withAnIafPosteriorTheElboAndLkStayBelowTheEvidenceAndLkRisesWithK(@ForAll long seed, @ForAll @IntRange(min = 1, max = 2) int steps) {
        PlanarFlowProperties.assertTheTheoremsHold(seed, "iaf:" + steps);
    }
}

package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The seeds' exercise 2: p(z) = N(0, 1), p(x|z) = N(z, 0.5), q(z|x) = N(x/1.5, 0.33), at x = 1. */
class WorkedExampleTest {
    @Test
    void atXEqualsOneTheElboIsTheEvidenceMinusTheKlToThePosterior() {
        LinearGaussian model = LinearGaussian.seedsExample();
        double[] x = {1};
        MultivariateNormal q = MultivariateNormal.diagonal(new double[] {1 / 1.5}, new double[] {0.33});
        double logP = model.logEvidence(x), elbo = model.elbo(x, q);
        assertEquals(-1.455004, Math.round(logP * 1e6) / 1e6, 0.0, "log p(x) to 6 decimals");
        assertEquals(-1.455030, Math.round(elbo * 1e6) / 1e6, 0.0, "ELBO to 6 decimals");
        // log p(1) = log N(1; 0, 1.5) in closed form, and the exact posterior N(x/1.5, 1/3).
        assertEquals(-0.5 * Math.log(2 * Math.PI * 1.5) - 1 / (2 * 1.5), logP, 1e-15);
        MultivariateNormal posterior = model.posterior(x);
        assertEquals(1 / 1.5, posterior.mean()[0], 1e-15);
        assertEquals(1 / 3.0, posterior.cov()[0][0], 1e-15);
        assertEquals(logP - MultivariateNormal.kl(q, posterior), elbo, 1e-12);
        assertEquals(logP, model.elbo(x, posterior), 1e-12, "q = posterior makes the bound tight");
    }
}

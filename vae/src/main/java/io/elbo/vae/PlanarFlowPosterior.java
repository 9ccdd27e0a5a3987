package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Linear;
import java.util.Optional;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * q(z_K|x): a diagonal Gaussian q₀(z₀|x) = N(μ(x), diag σ²(x)) pushed through K planar flow steps
 * (Rezende &amp; Mohamed, "Variational inference with normalizing flows", 2015), their parameters amortised
 * by the encoder (one u, w ∈ ℝᴰ and b ∈ ℝ per step and datum, from linear heads on the encoder's features):
 * <pre>
 *   f(z) = z + û·tanh(wᵀz + b),    log|det ∂f/∂z| = log(1 + (1 − tanh²(wᵀz + b))·wᵀû)
 *   û = u + (m(wᵀu) − wᵀu)·w/‖w‖²,  m(a) = −1 + softplus(a)
 * </pre>
 * The constraint makes wᵀû = m(wᵀu) &gt; −1, so every step is invertible and 1 + h'·wᵀû &gt; 0 (h' = 1 − tanh² ∈
 * (0, 1]). The density follows by the change of variables:
 * <pre>
 *   log q(z_K|x) = log q₀(z₀|x) − Σₖ log|det ∂z_k/∂z_{k−1}|
 * </pre>
 * No closed-form KL to the prior exists: the ELBO estimates it with the samples (and IWAE and {@code vae eval}
 * use log q as well).
 */
public final class PlanarFlowPosterior implements Posterior {
    private final GaussianPosterior base;
    private final Tensor[] u, w, b;

    /**
     * The flow on the base posterior, with each step's raw parameters: u and w [B, D], b [B, 1] (û is formed
     * here, from u and w).
     */
    public PlanarFlowPosterior(GaussianPosterior base, Tensor[] u, Tensor[] w, Tensor[] b) {
        if (u.length != w.length || u.length != b.length) throw new IllegalArgumentException("planar flow: u, w and b for different numbers of steps");
        this.base = base;
        this.u = new Tensor[u.length];
        this.w = w.clone();
        this.b = b.clone();
        for (int k = 0; k < u.length; k++) this.u[k] = constrained(u[k], w[k]);
    }

    /** The number of steps a spec's argument names: planar:K with K from 1 to 64. */
    public static int steps(String argument) {
        int k;
        try {
            k = Integer.parseInt(String.valueOf(argument));
        } catch (NumberFormatException e) {
            k = -1;
        }
        if (k < 1 || k > 64) throw new IllegalArgumentException("posterior planar:K needs K steps from 1 to 64, got '" + argument + "'");
        return k;
    }

    /** û = u + (m(wᵀu) − wᵀu)·w/‖w‖² with m(a) = −1 + softplus(a), per row of u, w [B, D]. */
    static Tensor constrained(Tensor u, Tensor w) {
        Tensor wu = w.mul(u).sum(true, 1);
        Tensor m = wu.softplus().sub(1);
        return u.add(m.sub(wu).mul(w).div(w.square().sum(true, 1)));
    }

    /** The base distribution q₀(z₀|x). */
    public GaussianPosterior base() {
        return base;
    }

    /** The number of flow steps. */
    public int steps() {
        return u.length;
    }

    /**
     * Step k applied to codes z [L, B, D]: f(z) and its log|det ∂f/∂z| [L, B]. û, w [B, D] and b [B, 1] broadcast
     * over the L samples.
     */
    public Tensor[] step(int k, Tensor z) {
        Tensor a = z.mul(w[k]).sum(true, z.rank() - 1).add(b[k]); // [L, B, 1]
        Tensor t = a.tanh();
        Tensor next = z.add(u[k].mul(t));
        Tensor wu = w[k].mul(u[k]).sum(true, 1); // [B, 1] = m(wᵀu) > −1
        Tensor logDet = t.square().neg().add(1).mul(wu).log1p().sum(false, z.rank() - 1); // log(1 + h'(a)·wᵀû)
        return new Tensor[] {next, logDet};
    }

    /** z_K and Σ log|det| [L, B] from base codes z₀ [L, B, D]. */
    private Tensor[] flow(Tensor z0) {
        Tensor z = z0, sum = null;
        for (int k = 0; k < u.length; k++) {
            Tensor[] s = step(k, z);
            z = s[0];
            sum = sum == null ? s[1] : sum.add(s[1]);
        }
        return new Tensor[] {z, sum};
    }

    private Sample push(Tensor z0) {
        Tensor[] f = flow(z0);
        Tensor sumLogDet = f[1];
        return new Sample(f[0], () -> base.logProb(z0).sub(sumLogDet));
    }

    @Override
    public Sample rsample(UniformRandomProvider rng, int samples) {
        return push(base.rsample(rng, samples).z());
    }

    @Override
    public Sample rsample(Tensor eps) {
        return push(base.rsample(eps).z());
    }

    /** The flow of the base mean μ: f_K ∘ … ∘ f₁(μ), [B, D]. */
    @Override
    public Tensor location() {
        Tensor mu = base.mu();
        return flow(mu.reshape(1, mu.dim(0), mu.dim(1)))[0].reshape(mu.dim(0), mu.dim(1));
    }

    /** None: a flow's KL to the prior has no closed form. */
    @Override
    public Optional<Tensor> analyticKl(Prior prior) {
        return Optional.empty();
    }

    /**
     * The heads: the base's {@code mu} and {@code logvar} (H → D each) and the flow's {@code flow_u}, {@code flow_w}
     * (H → K·D) and {@code flow_b} (H → K), linear layers with PyTorch's initialisation.
     */
    public static final class Head extends PosteriorHead {
        private final GaussianPosterior.Head base;
        private final Linear flowU, flowW, flowB;
        private final int steps, latent;

        /** Heads for {@code steps} flow steps on a {@code latent}-dimensional code, from {@code features} features. */
        public Head(int features, int latent, int steps, UniformRandomProvider rng, DType dtype) {
            this.steps = steps;
            this.latent = latent;
            base = include(new GaussianPosterior.Head(features, latent, rng, dtype));
            flowU = registerModule("flow_u", new Linear(features, steps * latent, rng, dtype));
            flowW = registerModule("flow_w", new Linear(features, steps * latent, rng, dtype));
            flowB = registerModule("flow_b", new Linear(features, steps, rng, dtype));
        }

        @Override
        public PlanarFlowPosterior posterior(Tensor features) {
            GaussianPosterior q0 = base.posterior(features);
            Tensor us = flowU.forward(features), ws = flowW.forward(features), bs = flowB.forward(features);
            Tensor[] u = new Tensor[steps], w = new Tensor[steps], b = new Tensor[steps];
            for (int k = 0; k < steps; k++) {
                u[k] = us.slice(1, k * latent, (k + 1) * latent);
                w[k] = ws.slice(1, k * latent, (k + 1) * latent);
                b[k] = bs.slice(1, k, k + 1);
            }
            return new PlanarFlowPosterior(q0, u, w, b);
        }
    }
}

package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Linear;
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
public final class PlanarFlowPosterior extends FlowPosterior {
    private final Tensor[] u, w, b;

    /**
     * The flow on the base posterior, with each step's raw parameters: u and w [B, D], b [B, 1] (û is formed
     * here, from u and w).
     */
    public PlanarFlowPosterior(GaussianPosterior base, Tensor[] u, Tensor[] w, Tensor[] b) {
        super(base);
        if (u.length != w.length || u.length != b.length) throw new IllegalArgumentException("planar flow: u, w and b for different numbers of steps");
        this.u = new Tensor[u.length];
        this.w = w.clone();
        this.b = b.clone();
        for (int k = 0; k < u.length; k++) this.u[k] = constrained(u[k], w[k]);
    }

    /** The number of steps a spec's argument names: planar:K with K from 1 to 64. */
    public static int steps(String argument) {
        return FlowPosterior.steps("planar", argument);
    }

    /** û = u + (m(wᵀu) − wᵀu)·w/‖w‖² with m(a) = −1 + softplus(a), per row of u, w [B, D]. */
    static Tensor constrained(Tensor u, Tensor w) {
        Tensor wu = w.mul(u).sum(true, 1);
        Tensor m = wu.softplus().sub(1);
        return u.add(m.sub(wu).mul(w).div(w.square().sum(true, 1)));
    }

    @Override
    public int steps() {
        return u.length;
    }

    /**
     * Step k applied to codes z [L, B, D]: f(z) and its log|det ∂f/∂z| [L, B]. û, w [B, D] and b [B, 1] broadcast
     * over the L samples.
     */
    @Override
    public Tensor[] step(int k, Tensor z) {
        Tensor a = z.mul(w[k]).sum(true, z.rank() - 1).add(b[k]); // [L, B, 1]
        Tensor t = a.tanh();
        Tensor next = z.add(u[k].mul(t));
        Tensor wu = w[k].mul(u[k]).sum(true, 1); // [B, 1] = m(wᵀu) > −1
        Tensor logDet = t.square().neg().add(1).mul(wu).log1p().sum(false, z.rank() - 1); // log(1 + h'(a)·wᵀû)
        return new Tensor[] {next, logDet};
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

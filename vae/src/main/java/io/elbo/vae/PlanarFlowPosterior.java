package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Fused;
import io.elbo.autodiff.Shape;
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
    private final Tensor u, w, b;
    private final int steps;

    /**
     * The flow on the base posterior, with the steps' raw parameters one column per datum, as the heads give them: u
     * and w [K·D, B] (step k's in rows kD to (k+1)D; û is formed from them), b [K, B].
     */
    public PlanarFlowPosterior(GaussianPosterior base, Tensor u, Tensor w, Tensor b) {
        super(base);
        int d = base.mu().dim(1), batch = base.mu().dim(0);
        if (u.rank() != 2 || w.rank() != 2 || b.rank() != 2 || b.dim(1) != batch || u.dim(1) != batch || w.dim(1) != batch
                || u.dim(0) != b.dim(0) * d || w.dim(0) != b.dim(0) * d) {
            throw new IllegalArgumentException("planar flow: u " + Shape.str(u.shape()) + ", w " + Shape.str(w.shape()) + ", b "
                    + Shape.str(b.shape()) + " for " + batch + " data of " + d + " dimensions: need u and w [K·D, B], b [K, B]");
        }
        this.u = u;
        this.w = w;
        this.b = b;
        this.steps = b.dim(0);
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
        return steps;
    }

    /**
     * Step k applied to codes z [L, B, D], composed of primitives (the definition; training runs all K steps as one
     * op, {@link Fused#planarFlow}, with these values): f(z) and its log|det ∂f/∂z| [L, B]. û, w [B, D] and b [B, 1]
     * broadcast over the L samples.
     */
    @Override
    public Tensor[] step(int k, Tensor z) {
        int d = z.dim(z.rank() - 1);
        Tensor wk = w.slice(0, k * d, (k + 1) * d).T(), uk = constrained(u.slice(0, k * d, (k + 1) * d).T(), wk);
        Tensor a = z.mul(wk).sum(true, z.rank() - 1).add(b.slice(0, k, k + 1).T()); // [L, B, 1]
        Tensor t = a.tanh();
        Tensor next = z.add(uk.mul(t));
        Tensor wu = wk.mul(uk).sum(true, 1); // [B, 1] = m(wᵀu) > −1
        Tensor logDet = t.square().neg().add(1).mul(wu).log1p().sum(false, z.rank() - 1); // log(1 + h'(a)·wᵀû)
        return new Tensor[] {next, logDet};
    }

    /** All K steps as one op ({@link Fused#planarFlow}): the steps' values, in one pass forward and one backward. */
    @Override
    protected Tensor[] flow(Tensor z0) {
        return fused(z0, u, w, b);
    }

    /** {@link Fused#planarFlow} on codes z₀ [..., B, D]: z_K [..., B, D] and Σ log|det| [..., B]. */
    static Tensor[] fused(Tensor z0, Tensor u, Tensor w, Tensor b) {
        int r = z0.rank(), d = z0.dim(r - 1);
        Tensor joint = Fused.planarFlow(z0, u, w, b);
        return new Tensor[] {joint.slice(r - 1, 0, d), joint.slice(r - 1, d, d + 1).reshape(java.util.Arrays.copyOf(z0.shape(), r - 1))};
    }

    /**
     * The heads: the base's {@code mu} and {@code logvar} (H → D each) and the flow's {@code flow_u}, {@code flow_w}
     * (H → K·D) and {@code flow_b} (H → K), linear layers with PyTorch's initialisation.
     */
    public static final class Head extends PosteriorHead {
        private final GaussianPosterior.Head base;
        private final Linear flowU, flowW, flowB;

        /** Heads for {@code steps} flow steps on a {@code latent}-dimensional code, from {@code features} features. */
        public Head(int features, int latent, int steps, UniformRandomProvider rng, DType dtype) {
            base = include(new GaussianPosterior.Head(features, latent, rng, dtype));
            flowU = registerModule("flow_u", new Linear(features, steps * latent, rng, dtype));
            flowW = registerModule("flow_w", new Linear(features, steps * latent, rng, dtype));
            flowB = registerModule("flow_b", new Linear(features, steps, rng, dtype));
        }

        @Override
        public PlanarFlowPosterior posterior(Tensor features) {
            GaussianPosterior q0 = base.posterior(features);
            return new PlanarFlowPosterior(q0, flowU.forwardTransposed(features), flowW.forwardTransposed(features),
                    flowB.forwardTransposed(features));
        }
    }
}

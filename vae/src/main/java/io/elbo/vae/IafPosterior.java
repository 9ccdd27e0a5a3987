package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.InPlace;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Linear;
import io.elbo.nn.MaskedLinear;
import io.elbo.nn.Module;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * q(z_K|x): a diagonal Gaussian pushed through K inverse autoregressive flow steps (Kingma et al., "Improved
 * variational inference with inverse autoregressive flow", 2016), each a MADE network of {@link MaskedLinear}
 * layers conditioned on a context c(x) from the encoder, with the numerically stable update:
 * <pre>
 *   [m, s] = MADE_k(z, c),   σ = sigmoid(s),   z ← σ ⊙ z + (1 − σ) ⊙ m,   log|det| = Σᵢ log σᵢ
 * </pre>
 * mᵢ and sᵢ depend on z only through the coordinates before i in the step's order, so the Jacobian is
 * triangular with σ on its diagonal; the order is reversed from one step to the next.
 */
public final class IafPosterior extends FlowPosterior {
    private final Head head;
    private final Tensor context;

    private IafPosterior(GaussianPosterior base, Head head, Tensor context) {
        super(base);
        this.head = head;
        this.context = context;
    }

    @Override
    public int steps() {
        return head.made.length;
    }

    /** Step k: its MADE on z [L, B, D] with the context [B, C], then the update; log|det| = Σ log σ, [L, B]. */
    @Override
    public Tensor[] step(int k, Tensor z) {
        Made f = head.made[k];
        Tensor h = f.in.forward(z).add(f.context.forward(context)).tanh(); // [L, B, H]; the context broadcasts over L
        Tensor m = f.m.forward(h), s = f.s.forward(h);
        Tensor sigma = s.sigmoid();
        Tensor next = sigma.mul(z).add(sigma.neg().add(1).mul(m));
        Tensor logDet = s.logSigmoid().sum(false, z.rank() - 1);
        return new Tensor[] {next, logDet};
    }

    /** The order of step k: coordinate i comes at place {@code degree(k, i)} (1-based); reversed on odd steps. */
    public static int degree(int k, int i, int latent) {
        return k % 2 == 0 ? i + 1 : latent - i;
    }

    /** The hidden width of each MADE: max(64, 4D). */
    static int hidden(int latent) {
        return Math.max(64, 4 * latent);
    }

    /** One step's MADE: {@code in} (D → H, masked), {@code context} (C → H), {@code m} and {@code s} (H → D, masked). */
    static final class Made extends Module {
        final MaskedLinear in, m, s;
        final Linear context;

        Made(int k, int latent, int width, UniformRandomProvider rng, DType dtype) {
            // Hidden unit j has degree 1 + j mod (D − 1) (0 when D = 1: it then sees no coordinate); it sees the
            // coordinates of degree ≤ its own, and output i sees the hidden units of degree < degree(i).
            int[] hiddenDegree = new int[width];
            for (int j = 0; j < width; j++) hiddenDegree[j] = latent == 1 ? 0 : 1 + j % (latent - 1);
            double[] inMask = new double[width * latent], outMask = new double[latent * width];
            for (int j = 0; j < width; j++) {
                for (int i = 0; i < latent; i++) {
                    inMask[j * latent + i] = hiddenDegree[j] >= degree(k, i, latent) ? 1 : 0;
                    outMask[i * width + j] = degree(k, i, latent) > hiddenDegree[j] ? 1 : 0;
                }
            }
            in = registerModule("in", new MaskedLinear(latent, width, inMask, rng, dtype));
            context = registerModule("context", new Linear(width, width, false, rng, dtype));
            m = registerModule("m", new MaskedLinear(width, latent, outMask, rng, dtype));
            s = registerModule("s", new MaskedLinear(width, latent, outMask, rng, dtype));
            double[] start = new double[latent];
            java.util.Arrays.fill(start, 2); // σ = sigmoid(2) ≈ 0.88 at first: each step starts near the identity
            InPlace.set(s.bias().value(), start);
        }

        @Override
        public Tensor forward(Tensor z) {
            throw new UnsupportedOperationException("a MADE step runs through IafPosterior.step, with its context");
        }
    }

    /**
     * The heads: the base's {@code mu} and {@code logvar}, the context {@code iaf_context} (H → C, tanh) and one
     * MADE per step ({@code iaf_0}, {@code iaf_1}, ...).
     */
    public static final class Head extends PosteriorHead {
        private final GaussianPosterior.Head base;
        private final Linear contextHead;
        private final Made[] made;

        /** Heads for {@code steps} IAF steps on a {@code latent}-dimensional code, from {@code features} features. */
        public Head(int features, int latent, int steps, UniformRandomProvider rng, DType dtype) {
            int width = hidden(latent);
            base = include(new GaussianPosterior.Head(features, latent, rng, dtype));
            contextHead = registerModule("iaf_context", new Linear(features, width, rng, dtype));
            made = new Made[steps];
            for (int k = 0; k < steps; k++) made[k] = registerModule("iaf_" + k, new Made(k, latent, width, rng, dtype));
        }

        @Override
        public IafPosterior posterior(Tensor features) {
            return new IafPosterior(base.posterior(features), this, contextHead.forward(features).tanh());
        }
    }

    /** The number of steps a spec's argument names: iaf:K with K from 1 to 64. */
    public static int steps(String argument) {
        return FlowPosterior.steps("iaf", argument);
    }
}

package io.elbo.vae;

import io.elbo.autodiff.Tensor;
import io.elbo.nn.Module;

/**
 * The encoder's last layers for one family of posteriors: from the encoder body's features h [B, H] to
 * the parameters of q(z|x). To add a family: a subclass, its {@link Posterior}, and one line in
 * {@link Parts#POSTERIORS}.
 */
public abstract class PosteriorHead extends Module {
    /** q(z|x) from the features h of a batch. */
    public abstract Posterior posterior(Tensor features);

    /** The posterior's location (see {@link Posterior#location()}), [B, K]. */
    @Override
    public final Tensor forward(Tensor features) {
        return posterior(features).location();
    }
}

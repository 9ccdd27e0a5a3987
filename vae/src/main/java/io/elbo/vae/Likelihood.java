package io.elbo.vae;

import io.elbo.autodiff.Tensor;
import io.elbo.nn.Module;

/**
 * The decoder's likelihood p(x | d), where d is the decoder's output for a code z: one part of a
 * {@link VAE}, chosen by its name in {@link Parts}. A likelihood may own parameters (a learned σ); the
 * model makes them its own under the likelihood's names, so they are trained and checkpointed with it.
 *
 * <p>To add one: write a subclass and add one line to {@link Parts#LIKELIHOODS}.
 */
public abstract class Likelihood extends Module {
    /**
     * log p(x | d) of each row as one event, summed over its D values: [N] from x and d, both [N, D].
     * Differentiable in d and in the likelihood's parameters.
     */
    public abstract Tensor logProb(Tensor x, Tensor decoded);

    /** E[x | d], [N, D]: what pictures show (a sample's or a reconstruction's mean). */
    public abstract Tensor mean(Tensor decoded);

    /** The mean: a likelihood as a module maps the decoder's output to E[x | d]. */
    @Override
    public final Tensor forward(Tensor decoded) {
        return mean(decoded);
    }
}

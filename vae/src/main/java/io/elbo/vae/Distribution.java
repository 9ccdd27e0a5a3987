package io.elbo.vae;

import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/** A distribution over tensors of one shape that can be sampled by reparameterisation and evaluated. */
public interface Distribution {
    /** A differentiable sample. */
    Tensor rsample(UniformRandomProvider rng);

    /** The log-density, elementwise. */
    Tensor logProb(Tensor x);
}

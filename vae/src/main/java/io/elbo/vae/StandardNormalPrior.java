package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/** p(z) = N(0, I): log p(z) = Σₖ (−½ zₖ² − ½ log 2π). */
public final class StandardNormalPrior implements Prior {
    @Override
    public Tensor logProb(Tensor z) {
        return Normal.standard(z).logProb(z).sum(false, z.rank() - 1);
    }

    @Override
    public Tensor sample(UniformRandomProvider rng, int n, int latent, DType dtype) {
        return Tensor.randn(rng, dtype, n, latent);
    }
}

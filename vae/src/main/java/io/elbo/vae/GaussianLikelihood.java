package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Parameter;

/**
 * p(x | m) = Πⱼ N(xⱼ; mⱼ, σⱼ²) with the decoder's output read as the mean m: σ fixed, or learned as a
 * parameter {@code log_sigma} (one shared σ, or one per pixel).
 */
public final class GaussianLikelihood extends Likelihood {
    private final double fixedSigma;
    private final Parameter logSigma;

    private GaussianLikelihood(double fixedSigma, DType dtype, int width) {
        this.fixedSigma = fixedSigma;
        this.logSigma = width == 0 ? null : registerParameter("log_sigma", Tensor.zeros(dtype, width));
    }

    /** σ fixed: log p = Σⱼ log N(xⱼ; mⱼ, σ²). */
    public static GaussianLikelihood fixed(double sigma) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) throw new IllegalArgumentException("gaussian-fixed: σ must be positive and finite, got " + sigma);
        return new GaussianLikelihood(sigma, null, 0);
    }

    /** log σ learned, {@code width} values (1: shared by every pixel; D: one per pixel), initialised to 0. */
    public static GaussianLikelihood learned(DType dtype, int width) {
        if (width < 1) throw new IllegalArgumentException("gaussian: σ needs at least one value, got " + width);
        return new GaussianLikelihood(Double.NaN, dtype, width);
    }

    /** log N(x; m, σ²) = −½((x − m)/σ)² − log σ − ½ log 2π, summed over each row. */
    @Override
    public Tensor logProb(Tensor x, Tensor decoded) {
        if (logSigma == null) {
            return Normal.of(decoded, Tensor.full(fixedSigma, decoded.dtype(), decoded.shape())).logProb(x).sum(false, 1);
        }
        Tensor ls = logSigma.value();
        return x.sub(decoded).mul(ls.neg().exp()).square().mul(-0.5).sub(ls).sub(0.5 * Normal.LOG_2PI).sum(false, 1);
    }

    /** E[x] = m. */
    @Override
    public Tensor mean(Tensor decoded) {
        return decoded;
    }
}

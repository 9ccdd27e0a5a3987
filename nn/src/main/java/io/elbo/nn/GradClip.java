package io.elbo.nn;

import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.InPlace;
import java.util.List;

/** Gradient clipping. */
public final class GradClip {
    private GradClip() {}

    /**
     * Scales all gradients in place so their global L2 norm is at most {@code maxNorm}, as PyTorch's
     * {@code clip_grad_norm_}: n = √(Σ‖g‖²), every g ← g·min(1, maxNorm / (n + 1e-6)).
     *
     * @return the norm before clipping
     */
    public static double clipGradNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGradNorm: max norm must be positive, got " + maxNorm);
        double sum = 0;
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            double norm = Math.sqrt(InPlace.sumOfSquares(g));
            sum += norm * norm;
        }
        double total = Math.sqrt(sum);
        double coef = Math.min(maxNorm / (total + 1e-6), 1.0);
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g != null) InPlace.scale(g, coef);
        }
        return total;
    }
}

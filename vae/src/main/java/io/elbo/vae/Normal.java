package io.elbo.vae;

import io.elbo.autodiff.Fused;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * A diagonal Normal distribution N(μ, diag σ²) over tensors of one shape; every method is
 * elementwise (sum over a datum's dimensions where the model needs it). μ and σ may be on the tape,
 * so {@link #rsample} and {@link #logProb} are differentiable in them. σ is positive by construction
 * when built from a log-variance or a softplus.
 */
public final class Normal implements Distribution {
    /** Log-variances are clamped to this range before exponentiating: σ² in [e⁻³⁰, e²⁰]. */
    public static final double MIN_LOG_VAR = -30, MAX_LOG_VAR = 20;
    static final double LOG_2PI = Math.log(2 * Math.PI);

    private final Tensor loc;
    private final Tensor scale;
    private final Tensor logScale;

    private Normal(Tensor loc, Tensor scale, Tensor logScale) {
        this.loc = loc;
        this.scale = scale;
        this.logScale = logScale;
    }

    /** N(loc, scale²); scale must be positive and finite, loc finite, shapes equal. */
    public static Normal of(Tensor loc, Tensor scale) {
        checkShapes("Normal", loc, scale, "scale");
        checkFinite("Normal", "loc", loc);
        for (double s : scale.toDoubleArray()) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("Normal: scale must be positive and finite, got " + s);
            }
        }
        return new Normal(loc, scale, Ops.log(scale));
    }

    /**
     * From a log-variance, as an encoder outputs it: σ = exp(½·clamp(log σ², −30, 20)). The clamp
     * guards exp against overflow (and σ against underflow to 0); its derivative is 0 outside the
     * range, as PyTorch's clamp.
     */
    public static Normal fromLogVar(Tensor loc, Tensor logVar) {
        checkShapes("Normal.fromLogVar", loc, logVar, "logVar");
        checkFinite("Normal.fromLogVar", "loc", loc);
        checkFinite("Normal.fromLogVar", "logVar", logVar);
        Tensor halfLogVar = Ops.clamp(logVar, MIN_LOG_VAR, MAX_LOG_VAR).mul(0.5);
        return new Normal(loc, halfLogVar.exp(), halfLogVar);
    }

    /** From an unconstrained parameter: σ = softplus(raw), positive by construction. */
    public static Normal fromSoftplus(Tensor loc, Tensor raw) {
        checkShapes("Normal.fromSoftplus", loc, raw, "raw scale");
        checkFinite("Normal.fromSoftplus", "loc", loc);
        checkFinite("Normal.fromSoftplus", "raw scale", raw);
        Tensor scale = raw.softplus();
        return new Normal(loc, scale, scale.log());
    }

    /** The standard normal N(0, I) with the shape and dtype of {@code like}. */
    public static Normal standard(Tensor like) {
        Tensor zero = Tensor.zeros(like.dtype(), like.shape());
        return new Normal(zero, Tensor.ones(like.dtype(), like.shape()), zero);
    }

    private static void checkShapes(String who, Tensor loc, Tensor other, String name) {
        if (!Arrays.equals(loc.shape(), other.shape()) || loc.dtype() != other.dtype()) {
            throw new IllegalArgumentException(who + ": loc " + Arrays.toString(loc.shape()) + " " + loc.dtype() + " and "
                    + name + " " + Arrays.toString(other.shape()) + " " + other.dtype() + " must have one shape and dtype");
        }
    }

    static void checkFinite(String who, String name, Tensor t) {
        if (t.allFinite()) return;
        for (double v : t.toDoubleArray()) {
            if (!Double.isFinite(v)) throw new IllegalArgumentException(who + ": " + name + " must be finite, got " + v);
        }
    }

    /** μ, the mean. */
    public Tensor mean() { return loc; }

    /** σ, the standard deviation. */
    public Tensor stddev() { return scale; }

    /** σ², the variance. */
    public Tensor variance() { return scale.square(); }

    /** The shape of μ and σ (of one sample). */
    public int[] shape() { return loc.shape(); }

    /** A reparameterised sample μ + σ·ε with ε ~ N(0, I): differentiable in μ and σ. */
    @Override
    public Tensor rsample(UniformRandomProvider rng) {
        return Fused.reparameterize(loc, scale, Tensor.randn(rng, loc.dtype(), loc.shape()));
    }

    /** {@code n} reparameterised samples stacked on a new leading axis: shape [n, ...shape]. */
    public Tensor rsample(UniformRandomProvider rng, int n) {
        int[] s = new int[loc.rank() + 1];
        s[0] = n;
        System.arraycopy(loc.shape(), 0, s, 1, loc.rank());
        return Fused.reparameterize(loc, scale, Tensor.randn(rng, loc.dtype(), s));
    }

    /**
     * The reparameterised samples μ + σ·ε for given standard-normal draws ε, whose shape is this
     * distribution's or has extra leading (sample) axes: common random numbers, to compare two
     * computations on the same noise.
     */
    public Tensor rsample(Tensor eps) {
        return Fused.reparameterize(loc, scale, eps);
    }

    /** A sample that carries no gradient. */
    public Tensor sample(UniformRandomProvider rng) {
        try (var off = Tape.noGrad()) {
            return rsample(rng).detach();
        }
    }

    /** log N(x; μ, σ²) = −(x − μ)²/(2σ²) − log σ − ½ log 2π, elementwise (x may broadcast). */
    @Override
    public Tensor logProb(Tensor x) {
        Tensor z = x.sub(loc).div(scale);
        return z.square().mul(-0.5).sub(logScale).sub(0.5 * LOG_2PI);
    }

    /** H = ½ log(2πe σ²) = log σ + ½(1 + log 2π), elementwise. */
    public Tensor entropy() {
        return logScale.add(0.5 * (1 + LOG_2PI));
    }

    /** log σ, elementwise. */
    public Tensor logScale() { return logScale; }
}

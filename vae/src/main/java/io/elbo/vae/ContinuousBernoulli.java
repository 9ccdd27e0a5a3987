package io.elbo.vae;

import io.elbo.autodiff.Fused;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tensor;

/**
 * The continuous Bernoulli distribution CB(λ) on [0, 1] (Loaiza-Ganem &amp; Cunningham, 2019), with
 * λ = σ(ℓ) given by logits ℓ, elementwise:
 * <pre>
 *   p(x | λ) = C(λ) · λˣ (1 − λ)¹⁻ˣ,   C(λ) = 2 artanh(1 − 2λ) / (1 − 2λ)   (C(½) = 2)
 * </pre>
 * It is the normalised density that grey pixels in [0, 1] need: the Bernoulli "likelihood" on grey
 * values, λˣ(1 − λ)¹⁻ˣ alone, integrates to 1/C(λ) &lt; 1, so its ELBO is not a bound on a log-density.
 *
 * <p>In logits the normaliser is even and simple: 1 − 2λ = −tanh(ℓ/2) and artanh(1 − 2λ) = −ℓ/2, so
 * <pre>
 *   log C(ℓ) = log(ℓ / tanh(ℓ/2)),     d/dℓ log C = 1/ℓ − 1/sinh ℓ,
 * </pre>
 * which is finite and smooth at ℓ = 0 (C = 2) but 0/0 there in floating point: for |ℓ| &lt; {@link #TAYLOR_CUT}
 * it is evaluated by its Taylor series log 2 + ℓ²/12 − 7ℓ⁴/1440 + 31ℓ⁶/90720 − 127ℓ⁸/4838400 (the next
 * term is below 10⁻¹⁸ there), and the exact branch sees a substitute ℓ so that neither
 * branch's gradient is ever 0/0 (the selection's gradient goes to the chosen branch only). At the
 * ends (|ℓ| large) tanh(ℓ/2) rounds to ±1 and log C = log |ℓ| exactly as it should.
 *
 * <p>Everything is a composition of recorded ops, so gradients of every order come from the tape.
 */
public final class ContinuousBernoulli {
    /** Below this |ℓ| the log-normaliser and the mean use their Taylor series. */
    public static final double TAYLOR_CUT = 0.05;
    private static final double LOG_2 = Math.log(2);

    private final Tensor logits;

    /** CB(σ(ℓ)) elementwise, for logits ℓ of any shape. */
    public ContinuousBernoulli(Tensor logits) {
        this.logits = logits;
    }

    /** ℓ, the logits. */
    public Tensor logits() { return logits; }

    /** λ = σ(ℓ). */
    public Tensor probs() { return logits.sigmoid(); }

    /** log C(ℓ) = log(ℓ / tanh(ℓ/2)), elementwise, stable at ℓ = 0 (Taylor) and at the ends. */
    public Tensor logNormalizer() {
        Tensor near = nearHalf();
        Tensor l2 = logits.square();
        // log 2 + ℓ²/12 − 7ℓ⁴/1440 + 31ℓ⁶/90720 − 127ℓ⁸/4838400, in Horner form in ℓ².
        Tensor taylor = l2.mul(-127.0 / 4838400).add(31.0 / 90720).mul(l2).sub(7.0 / 1440).mul(l2).add(1.0 / 12).mul(l2).add(LOG_2);
        Tensor safe = Ops.where(near, Ops.scalarLike(TAYLOR_CUT, logits), logits);
        Tensor exact = safe.div(safe.mul(0.5).tanh()).log();
        return Ops.where(near, taylor, exact);
    }

    /**
     * log p(x) = x·ℓ − softplus(ℓ) + log C(ℓ) = −BCEWithLogits(ℓ, x) + log C(ℓ), elementwise, for x in [0, 1].
     */
    public Tensor logProb(Tensor x) {
        return logNormalizer().sub(Fused.binaryCrossEntropyWithLogits(logits, x));
    }

    /**
     * E[x] = λ/(2λ − 1) + 1/(2 artanh(1 − 2λ)) = 1/(1 − e^{−ℓ}) − 1/ℓ, elementwise; near ℓ = 0 its Taylor
     * series ½ + ℓ/12 − ℓ³/720 + ℓ⁵/30240 − ℓ⁷/1209600 (the exact form cancels there).
     */
    public Tensor mean() {
        Tensor near = nearHalf();
        Tensor l2 = logits.square();
        Tensor taylor = l2.mul(-1.0 / 1209600).add(1.0 / 30240).mul(l2).sub(1.0 / 720).mul(l2).add(1.0 / 12).mul(logits).add(0.5);
        Tensor safe = Ops.where(near, Ops.scalarLike(TAYLOR_CUT, logits), logits);
        Tensor exact = Ops.div(1.0, Ops.sub(1.0, safe.neg().exp())).sub(Ops.div(1.0, safe));
        return Ops.where(near, taylor, exact);
    }

    /** [|ℓ| &lt; cut]: where λ is so close to ½ that the closed forms are 0/0 or cancel. */
    private Tensor nearHalf() {
        return Ops.lt(logits.abs(), Ops.scalarLike(TAYLOR_CUT, logits));
    }
}

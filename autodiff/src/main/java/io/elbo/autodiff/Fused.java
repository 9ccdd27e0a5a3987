package io.elbo.autodiff;

import static io.elbo.autodiff.Ops.checkDType;
import static io.elbo.autodiff.Ops.exp;
import static io.elbo.autodiff.Ops.fusedVjp;
import static io.elbo.autodiff.Ops.map;
import static io.elbo.autodiff.Ops.matmul;
import static io.elbo.autodiff.Ops.mul;
import static io.elbo.autodiff.Ops.neg;
import static io.elbo.autodiff.Ops.reshape;
import static io.elbo.autodiff.Ops.scalarLike;
import static io.elbo.autodiff.Ops.sigmoid;
import static io.elbo.autodiff.Ops.softplus;
import static io.elbo.autodiff.Ops.sub;
import static io.elbo.autodiff.Ops.sum;

import io.elbo.autodiff.backend.Kernels;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Fused ops: each computes, in one or two passes over memory, what a composition of the primitives
 * in {@link Ops} computes in several, and names that composition. None adds mathematics: each has
 * the composition's values (bit for bit where the float operations are the same, as for
 * {@code linearRelu}), and its derivative rule is the composition's derivative, computed by a fused
 * kernel unless the backward pass is itself recorded ({@link Tape.Pass#createGraph()}), when it is
 * built from the primitives so that it can be differentiated again. {@code OpGradientProperties}
 * checks every fused op against its composition and by central differences.
 */
public final class Fused {
    private Fused() {}

    /**
     * out = x·Wᵀ + b, a linear layer (PyTorch's {@code F.linear}), replacing
     * {@code add(matmul(x, W, false, true), b)}: x [..., in], W [out, in], b [out] or null. The product is
     * one GEMM over all leading axes and the bias is added into it in place, with no broadcast copy.
     * With x and g flattened to rows: ∂x = g·W, ∂W = gᵀ·x, ∂b = Σ_rows g.
     */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        return linear("linear", x, w, b, false);
    }

    /**
     * out = relu(x·Wᵀ + b), replacing {@code relu(linear(x, W, b))} with the same bits: the bias and
     * the activation in one pass after the product. With g' = g·[out &gt; 0] (computed once for all three
     * inputs): ∂x = g'·W, ∂W = g'ᵀ·x, ∂b = Σ_rows g'.
     */
    public static Tensor linearRelu(Tensor x, Tensor w, Tensor b) {
        return linear("linearRelu", x, w, b, true);
    }

    private static Tensor linear(String op, Tensor x, Tensor w, Tensor b, boolean relu) {
        checkDType(op, x, w);
        if (b != null) checkDType(op, x, b);
        if (w.rank() != 2 || x.rank() < 1 || x.shape[x.rank() - 1] != w.shape[1]
                || (b != null && (b.rank() != 1 || b.shape[0] != w.shape[0]))) {
            throw new ShapeException(op + ": input " + Shape.str(x.shape) + ", weight " + Shape.str(w.shape)
                    + (b == null ? "" : ", bias " + Shape.str(b.shape)) + ": need input [..., in], weight [out, in], bias [out]");
        }
        int in = w.shape[1], outF = w.shape[0], rows = in == 0 ? 0 : x.numel / in;
        int[] shape = x.shape.clone();
        shape[shape.length - 1] = outF;
        Tensor out = Tensor.blank(x.dtype, shape);
        Kernels<Object> k = x.dtype.kernels();
        k.matmul(x.data(), 0, false, w.data(), 0, true, out.data(), 0, rows, outF, in);
        if (b != null && relu) k.addBiasRelu(out.data(), b.data(), rows, outF);
        else if (b != null) k.addBias(out.data(), b.data(), rows, outF);
        else if (relu) k.relu(out.data(), out.data(), out.numel);
        Tape.Rule rule = (g, p) -> {
            Tensor g2 = reshape(relu ? Ops.reluVjp(g, out, p) : g, rows, outF);
            Supplier<Tensor> dx = () -> reshape(matmul(g2, w), x.shape);
            Supplier<Tensor> dw = () -> matmul(g2, reshape(x, rows, in), true, false);
            return b == null ? p.grads(dx, dw) : p.grads(dx, dw, () -> sum(g2, false, 0));
        };
        return b == null ? Tape.record(op, out, rule, x, w) : Tape.record(op, out, rule, x, w, b);
    }

    /**
     * The reparameterisation out = μ + σ·ε in one pass, replacing {@code add(mu, mul(sigma, eps))}: μ and
     * σ of one shape, ε of that shape or with leading sample axes ([..., μ.shape]), which μ and σ
     * broadcast over. ∂μ = g, ∂σ = g·ε, ∂ε = g·σ (summed back to μ's and σ's shape by the tape).
     */
    public static Tensor reparameterize(Tensor mu, Tensor sigma, Tensor eps) {
        checkDType("reparameterize", mu, sigma);
        checkDType("reparameterize", mu, eps);
        int lead = eps.rank() - mu.rank();
        if (!Arrays.equals(mu.shape, sigma.shape) || lead < 0
                || !Arrays.equals(mu.shape, Arrays.copyOfRange(eps.shape, lead, eps.rank()))) {
            throw new ShapeException("reparameterize: μ " + Shape.str(mu.shape) + ", σ " + Shape.str(sigma.shape)
                    + ", ε " + Shape.str(eps.shape) + ": need μ and σ of one shape and ε of [..., that shape]");
        }
        Tensor out = Tensor.blank(mu.dtype, eps.shape);
        int samples = mu.numel == 0 ? 0 : eps.numel / mu.numel;
        mu.dtype.kernels().reparameterize(mu.data(), sigma.data(), eps.data(), out.data(), mu.numel, samples);
        return Tape.record("reparameterize", out,
                (g, p) -> p.grads(() -> g, () -> mul(g, eps), () -> mul(g, sigma)), mu, sigma, eps);
    }

    /**
     * KL(N(μ, e^λ) ‖ N(0, 1)) = ½(μ² + e^λ − 1 − λ) elementwise, from the mean and the log-variance λ
     * (of one shape), in one pass, replacing
     * {@code mul(sub(sub(add(square(mu), exp(logVar)), 1), logVar), 0.5)}.
     * ∂μ = g·μ, ∂λ = ½·g·(e^λ − 1) (one fused pass).
     */
    public static Tensor klStandardNormal(Tensor mu, Tensor logVar) {
        checkDType("klStandardNormal", mu, logVar);
        if (!Arrays.equals(mu.shape, logVar.shape)) {
            throw new ShapeException("klStandardNormal: μ " + Shape.str(mu.shape) + " and log-variance "
                    + Shape.str(logVar.shape) + " differ in shape");
        }
        Tensor out = Tensor.blank(mu.dtype, mu.shape);
        mu.dtype.kernels().klStandardNormal(mu.data(), logVar.data(), out.data(), mu.numel);
        return Tape.record("klStandardNormal", out, (g, p) -> p.grads(
                () -> mul(g, mu),
                () -> fusedVjp(p, () -> map(g, (k, gd, o, n) -> k.klStandardNormalBackward(gd, logVar.data(), o, n)),
                        () -> mul(g, mul(sub(exp(logVar), scalarLike(1, logVar)), scalarLike(0.5, logVar))))),
                mu, logVar);
    }

    /**
     * Elementwise binary cross-entropy on logits, ℓ(x, t) = −[t·log σ(x) + (1 − t)·log(1 − σ(x))],
     * computed as {@code sub(softplus(x), mul(x, t))} (never a log of a sigmoid), so it is finite for
     * every finite logit. ∂ℓ/∂x = σ(x) − t, ∂ℓ/∂t = −x. Not reduced: sum or average it as the model
     * requires. Logits and targets of one shape take one fused pass forward and one backward;
     * otherwise they broadcast through the composition itself.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets) {
        checkDType("binaryCrossEntropyWithLogits", logits, targets);
        if (!Arrays.equals(logits.shape, targets.shape)) return sub(softplus(logits), mul(logits, targets));
        Tensor out = Tensor.blank(logits.dtype, logits.shape);
        logits.dtype.kernels().bceWithLogits(logits.data(), targets.data(), out.data(), out.numel);
        return Tape.record("binaryCrossEntropyWithLogits", out, (g, p) -> p.grads(
                () -> fusedVjp(p, () -> map(g, (k, gd, o, n) -> k.bceWithLogitsBackward(gd, logits.data(), targets.data(), o, n)),
                        () -> mul(g, sub(sigmoid(logits), targets))),
                () -> neg(mul(g, logits))), logits, targets);
    }
}

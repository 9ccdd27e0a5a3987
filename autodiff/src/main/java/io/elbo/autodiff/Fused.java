package io.elbo.autodiff;

import static io.elbo.autodiff.Ops.add;
import static io.elbo.autodiff.Ops.checkDType;
import static io.elbo.autodiff.Ops.div;
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
import static io.elbo.autodiff.Ops.square;
import static io.elbo.autodiff.Ops.sub;
import static io.elbo.autodiff.Ops.sum;
import static io.elbo.autodiff.Ops.tanh;

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
    /**
     * One planar flow step (Rezende &amp; Mohamed, 2015) in one pass, replacing
     * {@code add(z, mul(u, tanh(add(sum(mul(z, w), true, -1), b))))}:
     * <pre>
     *   f(z) = z + u·tanh(wᵀz + b)
     * </pre>
     * for codes z [..., B, D] (leading sample axes) and per-datum parameters u, w [B, D] and b [B, 1], which
     * broadcast over the leading axes. With a = wᵀz + b, t = tanh a and δ = (gᵀu)·(1 − t²) per code:
     * ∂z = g + δ·w, ∂u = Σ g·t, ∂w = Σ δ·z, ∂b = Σ δ (the sums over the leading axes), one fused pass.
     */
    public static Tensor planar(Tensor z, Tensor u, Tensor w, Tensor b) {
        int[] rb = planarShapes("planar", z, u, w, b, "u");
        int rows = rb[0], batch = rb[1], d = w.shape[1];
        Kernels<Object> k = z.dtype.kernels();
        Object t = k.allocate(rows);
        Tensor out = Tensor.blank(z.dtype, z.shape);
        k.planar(z.data(), u.data(), w.data(), b.data(), t, out.data(), rows, batch, d);
        Tape.Rule rule = (g, p) -> {
            if (p.createGraph()) {
                Tensor tr = tanh(add(sum(mul(z, w), true, -1), b));
                Tensor delta = mul(sum(mul(g, u), true, -1), sub(scalarLike(1, tr), square(tr)));
                return p.grads(() -> add(g, mul(delta, w)), () -> mul(g, tr), () -> mul(delta, z), () -> delta);
            }
            Tensor dz = Tensor.blank(z.dtype, z.shape), du = Tensor.zeroed(z.dtype, u.shape), dw = Tensor.zeroed(z.dtype, w.shape),
                    db = Tensor.zeroed(z.dtype, b.shape);
            k.planarBackward(g.data(), z.data(), u.data(), w.data(), t, dz.data(), du.data(), dw.data(), db.data(), rows, batch, d);
            return p.grads(() -> dz, () -> du, () -> dw, () -> db);
        };
        return Tape.record("planar", out, rule, z, u, w, b);
    }

    /**
     * The log-determinant of {@link #planar}'s Jacobian, given m = wᵀu [B, 1]:
     * <pre>
     *   log|det ∂f/∂z| = log(1 + (1 − tanh²(wᵀz + b))·m)
     * </pre>
     * [..., B] for z [..., B, D], w [B, D], b and m [B, 1], replacing
     * {@code sum(log1p(mul(add(neg(square(tanh(add(sum(mul(z, w), true, -1), b)))), 1), m)), false, -1)}.
     * With t = tanh(wᵀz + b), h = 1 − t², s = g/(1 + h·m) and c = −2·s·m·t·h per code: ∂z = c·w, ∂w = Σ c·z,
     * ∂b = Σ c, ∂m = Σ s·h (the sums over the leading axes), one fused pass.
     */
    public static Tensor planarLogDet(Tensor z, Tensor w, Tensor b, Tensor m) {
        int[] rb = planarShapes("planarLogDet", z, m, w, b, "m");
        int rows = rb[0], batch = rb[1], d = w.shape[1];
        Kernels<Object> k = z.dtype.kernels();
        Object t = k.allocate(rows);
        k.planar(z.data(), null, w.data(), b.data(), t, null, rows, batch, d);
        Tensor out = Tensor.blank(z.dtype, Arrays.copyOf(z.shape, z.rank() - 1));
        k.planarLogDet(t, m.data(), out.data(), rows, batch);
        Tape.Rule rule = (g, p) -> {
            if (p.createGraph()) {
                Tensor tr = tanh(add(sum(mul(z, w), true, -1), b)), gr = reshape(g, tr.shape);
                Tensor h = sub(scalarLike(1, tr), square(tr)), s = div(gr, add(mul(h, m), scalarLike(1, tr)));
                Tensor c = mul(mul(mul(s, m), mul(tr, h)), scalarLike(-2, tr));
                return p.grads(() -> mul(c, w), () -> mul(c, z), () -> c, () -> mul(s, h));
            }
            Tensor dz = Tensor.blank(z.dtype, z.shape), dw = Tensor.zeroed(z.dtype, w.shape), db = Tensor.zeroed(z.dtype, b.shape),
                    dm = Tensor.zeroed(z.dtype, m.shape);
            k.planarLogDetBackward(g.data(), z.data(), w.data(), t, m.data(), dz.data(), dw.data(), db.data(), dm.data(), rows, batch, d);
            return p.grads(() -> dz, () -> dw, () -> db, () -> dm);
        };
        return Tape.record("planarLogDet", out, rule, z, w, b, m);
    }

    /** Checks a planar step's shapes (z [..., B, D], v and w [B, D] or v [B, 1] for m, b [B, 1]); returns {rows, B}. */
    private static int[] planarShapes(String op, Tensor z, Tensor v, Tensor w, Tensor b, String vName) {
        checkDType(op, z, v);
        checkDType(op, z, w);
        checkDType(op, z, b);
        boolean vIsM = vName.equals("m");
        int bs = w.rank() == 2 ? w.shape[0] : -1, d = w.rank() == 2 ? w.shape[1] : -1;
        boolean ok = w.rank() == 2 && d > 0 && z.rank() >= 2 && z.shape[z.rank() - 1] == d && z.shape[z.rank() - 2] == bs
                && Arrays.equals(b.shape, new int[] {bs, 1}) && Arrays.equals(v.shape, vIsM ? new int[] {bs, 1} : new int[] {bs, d});
        if (!ok) {
            throw new ShapeException(op + ": z " + Shape.str(z.shape) + ", " + vName + " " + Shape.str(v.shape) + ", w " + Shape.str(w.shape)
                    + ", b " + Shape.str(b.shape) + ": need z [..., B, D], " + vName + (vIsM ? " [B, 1]" : " [B, D]") + ", w [B, D], b [B, 1] with D > 0");
        }
        return new int[] {z.numel / d, bs};
    }
}

package io.elbo.autodiff;

import static io.elbo.autodiff.Ops.checkDType;
import static io.elbo.autodiff.Ops.exp;
import static io.elbo.autodiff.Ops.expand;
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
import static io.elbo.autodiff.Ops.sumTo;

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
     * The binary cross-entropy on logits summed over the last axis, Σ_d ℓ(x_d, t_d) (a Bernoulli likelihood's
     * −log p(t | logits) per datum): what {@code binaryCrossEntropyWithLogits(logits, targets).sum(false, -1)}
     * computes, the same bits, but for logits and targets of one shape in one pass forward (no array of
     * terms) and one backward (no broadcast of the gradient); otherwise through that composition.
     * ∂/∂x_d = g·(σ(x_d) − t_d), ∂/∂t_d = −g·x_d, with g the incoming gradient of the datum's sum.
     */
    public static Tensor binaryCrossEntropyWithLogitsSum(Tensor logits, Tensor targets) {
        checkDType("binaryCrossEntropyWithLogitsSum", logits, targets);
        int r = logits.rank();
        if (!Arrays.equals(logits.shape, targets.shape) || r == 0 || logits.numel == 0) {
            return sum(binaryCrossEntropyWithLogits(logits, targets), false, -1);
        }
        int cols = logits.shape[r - 1], rows = logits.numel / cols;
        int[] kept = Arrays.copyOf(logits.shape, r - 1), withOne = Arrays.copyOf(logits.shape, r);
        withOne[r - 1] = 1;
        Tensor out = Tensor.zeroed(logits.dtype, kept);
        logits.dtype.kernels().bceWithLogitsRowSums(logits.data(), targets.data(), out.data(), rows, cols);
        return Tape.record("binaryCrossEntropyWithLogitsSum", out, (g, p) -> p.grads(
                () -> fusedVjp(p, () -> {
                    Tensor dx = Tensor.blank(logits.dtype, logits.shape);
                    logits.dtype.kernels().bceWithLogitsRowSumsBackward(g.data(), logits.data(), targets.data(), dx.data(), rows, cols);
                    return dx;
                }, () -> mul(expand(reshape(g, withOne), logits.shape), sub(sigmoid(logits), targets))),
                () -> neg(mul(expand(reshape(g, withOne), logits.shape), logits))), logits, targets);
    }

    /**
     * K steps of a planar flow (Rezende and Mohamed, 2015) with its invertibility constraint, what K applications of
     * the composition below compute, in one pass forward and one backward ({@link Kernels#planarFlow}). Codes z
     * [..., B, D] (leading sample axes), the steps' raw parameters one column per datum, u and w [K·D, B] (step k's
     * in rows kD to (k+1)D) and b [K, B]; per datum and step:
     * <pre>
     *   m = softplus(wᵀu) − 1,  û = u + (m − wᵀu)·w/‖w‖²   (so wᵀû = m &gt; −1: the step is invertible)
     *   t = tanh(wᵀz + b),  z ← z + û·t,  log|det ∂z'/∂z| = log(1 + (1 − t²)·m)
     * </pre>
     * Returns [..., B, D + 1]: z_K, and Σₖ log|det| in the last column. The derivative ({@link Kernels#planarFlowBackward}
     * gives its formulas) is the kernel's, or on a recorded pass the same formulas built from ops, after the forward
     * recomputed from ops, so that it can be differentiated again.
     */
    public static Tensor planarFlow(Tensor z, Tensor u, Tensor w, Tensor b) {
        checkDType("planarFlow", z, u);
        checkDType("planarFlow", z, w);
        checkDType("planarFlow", z, b);
        int r = z.rank();
        int batch = r < 2 ? -1 : z.shape[r - 2], d = r < 2 ? -1 : z.shape[r - 1], steps = b.rank() == 2 ? b.shape[0] : -1;
        if (r < 2 || u.rank() != 2 || w.rank() != 2 || b.rank() != 2 || b.shape[1] != batch || u.shape[1] != batch || w.shape[1] != batch
                || u.shape[0] != steps * d || w.shape[0] != steps * d) {
            throw new ShapeException("planarFlow: codes " + Shape.str(z.shape) + ", u " + Shape.str(u.shape) + ", w " + Shape.str(w.shape)
                    + ", b " + Shape.str(b.shape) + ": need codes [..., B, D], u and w [K·D, B], b [K, B]");
        }
        int rows = d == 0 ? 0 : z.numel / d;
        int[] shape = z.shape.clone();
        shape[r - 1] = d + 1;
        boolean taped = Tape.willRecord(z, u, w, b);
        Tensor out = Tensor.blank(z.dtype, shape);
        Tensor saved = Tensor.blank(z.dtype, new int[] {Kernels.planarFlowSaved(taped ? rows : 0, batch, d, steps)});
        Kernels<Object> k = z.dtype.kernels();
        k.planarFlow(z.data(), u.data(), w.data(), b.data(), out.data(), saved.data(), taped, rows, batch, d, steps);
        return Tape.record("planarFlow", out, (g, p) -> {
            if (p.createGraph()) return planarFlowVjp(g, z, u, w, b, p);
            Tensor gz = Tensor.blank(z.dtype, z.shape), gu = Tensor.blank(z.dtype, u.shape), gw = Tensor.blank(z.dtype, w.shape);
            Tensor gb = Tensor.blank(z.dtype, b.shape);
            k.planarFlowBackward(g.data(), u.data(), w.data(), saved.data(), gz.data(), gu.data(), gw.data(), gb.data(), rows, batch, d, steps);
            return p.grads(() -> gz, () -> gu, () -> gw, () -> gb);
        }, z, u, w, b);
    }

    /**
     * {@link #planarFlow}'s vector-Jacobian products built from ops (for a recorded pass): the steps recomputed, then
     * {@link Kernels#planarFlowBackward}'s formulas with the sample axes kept until the parameters' gradients are formed.
     */
    private static Tensor[] planarFlowVjp(Tensor g, Tensor z0, Tensor u, Tensor w, Tensor b, Tape.Pass pass) {
        int last = z0.rank() - 1, d = z0.shape[last], steps = b.shape[0], batch = b.shape[1];
        Tensor[] uk = new Tensor[steps], wk = new Tensor[steps], uHat = new Tensor[steps], m = new Tensor[steps];
        Tensor[] c = new Tensor[steps], wu = new Tensor[steps], ww = new Tensor[steps], zIn = new Tensor[steps], t = new Tensor[steps];
        Tensor z = z0;
        for (int k = 0; k < steps; k++) { // per datum: u, w [B, D], the constraint's values [B, 1]
            uk[k] = Ops.slice(u, 0, k * d, (k + 1) * d).T();
            wk[k] = Ops.slice(w, 0, k * d, (k + 1) * d).T();
            wu[k] = wk[k].mul(uk[k]).sum(true, 1);
            ww[k] = wk[k].square().sum(true, 1);
            m[k] = wu[k].softplus().sub(1);
            c[k] = m[k].sub(wu[k]).div(ww[k]);
            uHat[k] = uk[k].add(c[k].mul(wk[k]));
            zIn[k] = z;
            t[k] = z.mul(wk[k]).sum(true, last).add(Ops.slice(b, 0, k, k + 1).reshape(batch, 1)).tanh();
            z = z.add(uHat[k].mul(t[k]));
        }
        Tensor gz = Ops.slice(g, last, 0, d), gl = Ops.slice(g, last, d, d + 1);
        int[] perDatum = {batch, d}, perScalar = {batch, 1}; // the shapes a datum's sums over its samples take
        java.util.List<Tensor> gu = new java.util.ArrayList<>(), gw = new java.util.ArrayList<>(), gb = new java.util.ArrayList<>();
        for (int k = steps - 1; k >= 0; k--) {
            Tensor h = t[k].square().rsub(1), q = h.mul(m[k]).add(1);
            Tensor ga = gz.mul(uHat[k]).sum(true, last).sub(gl.mul(t[k]).mul(m[k]).mul(2).div(q)).mul(h);
            Tensor gUHat = sumTo(t[k].mul(gz), perDatum), gm = sumTo(gl.mul(h).div(q), perScalar);
            Tensor gc = gUHat.mul(wk[k]).sum(true, 1);
            Tensor gwu = gm.add(gc.div(ww[k])).mul(wu[k].sigmoid()).sub(gc.div(ww[k]));
            Tensor gww = gc.mul(c[k]).div(ww[k]).neg();
            gu.add(0, gUHat.add(gwu.mul(wk[k])).T());
            gw.add(0, sumTo(ga.mul(zIn[k]), perDatum).add(gUHat.mul(c[k])).add(gwu.mul(uk[k])).add(gww.mul(wk[k]).mul(2)).T());
            gb.add(0, sumTo(ga, perScalar).T());
            gz = gz.add(ga.mul(wk[k]));
        }
        Tensor dz = gz;
        return pass.grads(() -> dz, () -> Ops.concat(0, gu), () -> Ops.concat(0, gw), () -> Ops.concat(0, gb));
    }
}

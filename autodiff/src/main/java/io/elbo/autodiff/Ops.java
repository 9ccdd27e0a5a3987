package io.elbo.autodiff;

import io.elbo.autodiff.backend.ConvGeometry;
import io.elbo.autodiff.backend.Kernels;
import java.util.Arrays;
import java.util.List;

/**
 * The op table of primitives. Each differentiable op computes its output with a {@link Kernels kernel},
 * then records itself on the {@link Tape} with its derivative rule written right under the forward
 * line, in the notation of PyTorch's {@code derivatives.yaml}: {@code g} is the incoming gradient
 * ∂L/∂out, {@code out} the saved result, and {@code p.grads(() -> ∂L/∂a, () -> ∂L/∂b)} lists each
 * input's vector-Jacobian product, evaluated only for the inputs that need one
 * ({@link Tape.Pass#grads}). Every rule is written with these same ops, so with {@code createGraph}
 * a gradient is itself on the tape and can be differentiated again. Fused ops, each replacing a
 * named composition of these, are in {@link Fused}.
 *
 * <p>Binary elementwise ops follow NumPy broadcasting; their VJPs return gradients in the
 * broadcast shape and the tape sums them back to each input's shape in one place
 * ({@link #sumToShape}). Ties and kinks are decided explicitly: relu'(0) = 0, |x|'(0) = 0, and
 * {@link #max} splits the gradient equally between tied maxima.
 *
 * <p>Groups: unary, binary, comparisons, reductions, movement, matmul, convolution, compositions (which have
 * no derivative rule of their own), losses.
 */
public final class Ops {
    private Ops() {}

    // ================================================================ helpers

    @FunctionalInterface
    interface UnaryKernel {
        void apply(Kernels<Object> k, Object x, Object out, int n);
    }

    @FunctionalInterface
    private interface BinaryKernel {
        void apply(Kernels<Object> k, Object a, Object b, Object out, int n);
    }

    static Tensor map(Tensor x, UnaryKernel f) {
        Tensor out = Tensor.blank(x.dtype, x.shape);
        f.apply(x.dtype.kernels(), x.data(), out.data(), x.numel);
        return out;
    }

    /** Applies a binary kernel under NumPy broadcasting (inputs are expanded in the forward only). */
    private static Tensor zip(String op, Tensor a, Tensor b, BinaryKernel f) {
        checkDType(op, a, b);
        int[] shape = Shape.broadcast(op, a.shape, b.shape);
        Tensor out = Tensor.blank(a.dtype, shape);
        f.apply(a.dtype.kernels(), broadcastData(a, shape), broadcastData(b, shape), out.data(), out.numel);
        return out;
    }

    /**
     * The data of {@code x} laid out in {@code shape}, a shape x broadcasts to: the data itself when broadcasting
     * adds no elements (the same shape, or only axes of size 1 added: the same elements in the same order).
     */
    private static Object broadcastData(Tensor x, int[] shape) {
        if (x.numel == Shape.numel(shape)) return x.data();
        Kernels<Object> k = x.dtype.kernels();
        Object d = x.dtype.blankArray(Shape.numel(shape));
        k.copy(x.data(), 0, Shape.broadcastStrides(x.shape, shape), shape, d, 0, Shape.strides(shape));
        return d;
    }

    static void checkDType(String op, Tensor a, Tensor b) {
        if (a.dtype != b.dtype) {
            throw new ShapeException(op + ": " + a.dtype + " " + Shape.str(a.shape) + " and " + b.dtype + " "
                    + Shape.str(b.shape) + ": dtypes differ (convert one with to(dtype))");
        }
    }

    /** A 0-dimensional constant with the dtype of {@code like}. */
    public static Tensor scalarLike(double value, Tensor like) {
        return Tensor.scalar(value, like.dtype);
    }

    /** A constant computed without recording (masks and other values whose derivative is zero). */
    static Tensor constant(java.util.function.Supplier<Tensor> f) {
        try (var off = Tape.noGrad()) {
            return f.get();
        }
    }

    /**
     * A vector-Jacobian product that has a one-pass fused kernel. When the backward pass is itself
     * recorded ({@code pass.createGraph()}), the same formula is built from differentiable ops
     * instead, so that the gradient can be differentiated again; the two give the same values.
     */
    static Tensor fusedVjp(Tape.Pass pass, java.util.function.Supplier<Tensor> kernel, java.util.function.Supplier<Tensor> ops) {
        return pass.createGraph() ? ops.get() : kernel.get();
    }

    // ================================================================ unary

    /** out = -x. ∂out/∂x = -1: {@code -g}. */
    public static Tensor neg(Tensor x) {
        Tensor out = map(x, Kernels::neg);
        return Tape.record("neg", out, (g, p) -> p.grads(() -> neg(g)), x);
    }

    /** out = eˣ. ∂out/∂x = eˣ: {@code g·out}. */
    public static Tensor exp(Tensor x) {
        Tensor out = map(x, Kernels::exp);
        return Tape.record("exp", out, (g, p) -> p.grads(() -> mul(g, out)), x);
    }

    /** out = ln x. ∂out/∂x = 1/x: {@code g / x}. */
    public static Tensor log(Tensor x) {
        Tensor out = map(x, Kernels::log);
        return Tape.record("log", out, (g, p) -> p.grads(() -> div(g, x)), x);
    }

    /** out = ln(1 + x), accurate for small x. ∂out/∂x = 1/(1 + x): {@code g / (1 + x)}. */
    public static Tensor log1p(Tensor x) {
        Tensor out = map(x, Kernels::log1p);
        return Tape.record("log1p", out, (g, p) -> p.grads(() -> div(g, add(x, scalarLike(1, x)))), x);
    }

    /** out = √x. ∂out/∂x = 1/(2√x): {@code g / (2·out)}. */
    public static Tensor sqrt(Tensor x) {
        Tensor out = map(x, Kernels::sqrt);
        return Tape.record("sqrt", out, (g, p) -> p.grads(() -> div(g, mul(out, scalarLike(2, x)))), x);
    }

    /** out = |x|. ∂out/∂x = sign(x), with sign(0) = 0: {@code g·sign(x)}. */
    public static Tensor abs(Tensor x) {
        Tensor out = map(x, Kernels::abs);
        return Tape.record("abs", out, (g, p) -> p.grads(() -> mul(g, constant(() -> sign(x)))), x);
    }

    /** out = max(x, 0). ∂out/∂x = [x > 0] (so relu'(0) = 0): {@code g·[x > 0]}, one fused pass. */
    public static Tensor relu(Tensor x) {
        Tensor out = map(x, Kernels::relu);
        return Tape.record("relu", out, (g, p) -> p.grads(() -> reluVjp(g, x, p)), x);
    }

    /** relu's vector-Jacobian product g·[x &gt; 0], in one fused pass (x may be relu's input or its output). */
    static Tensor reluVjp(Tensor g, Tensor x, Tape.Pass pass) {
        return fusedVjp(pass, () -> map(g, (k, gd, o, n) -> k.reluBackward(gd, x.data(), o, n)),
                () -> mul(g, constant(() -> gt(x, scalarLike(0, x)))));
    }

    /** out = σ(x) = 1/(1 + e⁻ˣ). ∂out/∂x = σ(x)(1 − σ(x)): {@code g·out·(1 − out)}. */
    public static Tensor sigmoid(Tensor x) {
        Tensor out = map(x, Kernels::sigmoid);
        return Tape.record("sigmoid", out, (g, p) -> p.grads(() -> mul(g, mul(out, sub(scalarLike(1, x), out)))), x);
    }

    /** out = tanh x. ∂out/∂x = 1 − tanh²x: {@code g·(1 − out²)}. */
    public static Tensor tanh(Tensor x) {
        Tensor out = map(x, Kernels::tanh);
        return Tape.record("tanh", out, (g, p) -> p.grads(() -> mul(g, sub(scalarLike(1, x), mul(out, out)))), x);
    }

    /** out = sin x. ∂out/∂x = cos x: {@code g·cos x}. */
    public static Tensor sin(Tensor x) {
        Tensor out = map(x, Kernels::sin);
        return Tape.record("sin", out, (g, p) -> p.grads(() -> mul(g, cos(x))), x);
    }

    /** out = cos x. ∂out/∂x = −sin x: {@code −g·sin x}. */
    public static Tensor cos(Tensor x) {
        Tensor out = map(x, Kernels::cos);
        return Tape.record("cos", out, (g, p) -> p.grads(() -> neg(mul(g, sin(x)))), x);
    }

    /**
     * out = softplus(x) = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^−|x|) so it never overflows.
     * ∂out/∂x = σ(x): {@code g·σ(x)}.
     */
    public static Tensor softplus(Tensor x) {
        Tensor out = map(x, Kernels::softplus);
        return Tape.record("softplus", out, (g, p) -> p.grads(() -> mul(g, sigmoid(x))), x);
    }

    /** out = sign(x) ∈ {−1, 0, 1}. Piecewise constant: no derivative rule (back-propagating through it throws). */
    public static Tensor sign(Tensor x) {
        return Tape.record("sign", map(x, Kernels::sign), null, x);
    }

    /** out = ⌊x⌋. Piecewise constant: no derivative rule (back-propagating through it throws). */
    public static Tensor floor(Tensor x) {
        return Tape.record("floor", map(x, Kernels::floor), null, x);
    }

    /** out = xᵖ for a constant p. ∂out/∂x = p·xᵖ⁻¹: {@code g·p·x^(p−1)}. */
    public static Tensor pow(Tensor x, double p) {
        Tensor out = Tensor.blank(x.dtype, x.shape);
        x.dtype.kernels().powScalar(x.data(), p, out.data(), x.numel);
        return Tape.record("pow", out, (g, pass) -> pass.grads(() -> p == 0 ? mul(g, scalarLike(0, x))
                : mul(g, mul(scalarLike(p, x), pow(x, p - 1)))), x);
    }

    /** out = min(max(x, lo), hi). ∂out/∂x = [lo ≤ x ≤ hi] (PyTorch's convention at the bounds). */
    public static Tensor clamp(Tensor x, double lo, double hi) {
        if (!(lo <= hi)) throw new ShapeException("clamp: lower bound " + lo + " exceeds upper bound " + hi);
        Tensor out = Tensor.blank(x.dtype, x.shape);
        x.dtype.kernels().clamp(x.data(), lo, hi, out.data(), x.numel);
        return Tape.record("clamp", out, (g, p) -> p.grads(() -> mul(g, constant(() ->
                mul(ge(x, scalarLike(lo, x)), le(x, scalarLike(hi, x)))))), x);
    }

    /** out = x converted to {@code dtype}. ∂out/∂x = 1: {@code g} converted back. */
    public static Tensor cast(Tensor x, DType dtype) {
        if (x.dtype == dtype) return x;
        Tensor out = Tensor.fromArray(dtype, x.values(), x.shape);
        return Tape.record("cast", out, (g, p) -> p.grads(() -> cast(g, x.dtype)), x);
    }

    // ================================================================ binary (broadcasting)

    /** out = a + b. ∂/∂a = 1, ∂/∂b = 1: {@code g}, {@code g}. */
    public static Tensor add(Tensor a, Tensor b) {
        Tensor out = zip("add", a, b, Kernels::add);
        return Tape.record("add", out, (g, p) -> p.grads(() -> g, () -> g), a, b);
    }

    /** a + b for a constant b of a's dtype. */
    public static Tensor add(Tensor a, double b) {
        return add(a, scalarLike(b, a));
    }

    /** a + b for a constant a of b's dtype: the scalar on the left. */
    public static Tensor add(double a, Tensor b) {
        return add(scalarLike(a, b), b);
    }

    /** out = a − b. ∂/∂a = 1, ∂/∂b = −1: {@code g}, {@code −g}. */
    public static Tensor sub(Tensor a, Tensor b) {
        Tensor out = zip("sub", a, b, Kernels::sub);
        return Tape.record("sub", out, (g, p) -> p.grads(() -> g, () -> neg(g)), a, b);
    }

    /** a − b for a constant b. */
    public static Tensor sub(Tensor a, double b) {
        return sub(a, scalarLike(b, a));
    }

    /** a − b for a constant a: the scalar on the left ({@code 1 − p} is {@code sub(1, p)}). */
    public static Tensor sub(double a, Tensor b) {
        return sub(scalarLike(a, b), b);
    }

    /** out = a·b. ∂/∂a = b, ∂/∂b = a: {@code g·b}, {@code g·a}. */
    public static Tensor mul(Tensor a, Tensor b) {
        Tensor out = zip("mul", a, b, Kernels::mul);
        return Tape.record("mul", out, (g, p) -> p.grads(() -> mul(g, b), () -> mul(g, a)), a, b);
    }

    /** a·b for a constant b. */
    public static Tensor mul(Tensor a, double b) {
        return mul(a, scalarLike(b, a));
    }

    /** a·b for a constant a: the scalar on the left. */
    public static Tensor mul(double a, Tensor b) {
        return mul(scalarLike(a, b), b);
    }

    /** out = a / b. ∂/∂a = 1/b, ∂/∂b = −a/b²: {@code g / b}, {@code −g·out / b}. */
    public static Tensor div(Tensor a, Tensor b) {
        Tensor out = zip("div", a, b, Kernels::div);
        return Tape.record("div", out, (g, p) -> p.grads(() -> div(g, b), () -> neg(div(mul(g, out), b))), a, b);
    }

    /** a / b for a constant b. */
    public static Tensor div(Tensor a, double b) {
        return div(a, scalarLike(b, a));
    }

    /** a / b for a constant a: the scalar on the left ({@code 1 / x} is {@code div(1, x)}). */
    public static Tensor div(double a, Tensor b) {
        return div(scalarLike(a, b), b);
    }

    /**
     * out = aᵇ (elementwise). ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a: {@code g·b·a^(b−1)}, {@code g·out·ln a}
     * (the second needs a > 0).
     */
    public static Tensor pow(Tensor a, Tensor b) {
        Tensor out = zip("pow", a, b, Kernels::pow);
        return Tape.record("pow", out, (g, p) -> p.grads(
                () -> mul(g, mul(b, pow(a, sub(b, scalarLike(1, b))))),
                () -> mul(g, mul(out, log(a)))), a, b);
    }

    // ================================================================ comparisons (constants, never recorded)

    private static Tensor compare(String op, Kernels.Comparison c, Tensor a, Tensor b) {
        return zip(op, a, b, (k, x, y, o, n) -> k.compare(c, x, y, o, n));
    }

    /** [a > b] as 1/0 values; a constant (no gradient flows through a comparison). */
    public static Tensor gt(Tensor a, Tensor b) { return compare("gt", Kernels.Comparison.GT, a, b); }

    /** [a ≥ b] as 1/0 values; a constant. */
    public static Tensor ge(Tensor a, Tensor b) { return compare("ge", Kernels.Comparison.GE, a, b); }

    /** [a &lt; b] as 1/0 values; a constant. */
    public static Tensor lt(Tensor a, Tensor b) { return compare("lt", Kernels.Comparison.LT, a, b); }

    /** [a ≤ b] as 1/0 values; a constant. */
    public static Tensor le(Tensor a, Tensor b) { return compare("le", Kernels.Comparison.LE, a, b); }

    /** [a = b] as 1/0 values; a constant. */
    public static Tensor eq(Tensor a, Tensor b) { return compare("eq", Kernels.Comparison.EQ, a, b); }

    /**
     * out = mask ≠ 0 ? a : b, all three broadcast together. The mask is a constant.
     * ∂/∂a = [mask], ∂/∂b = [¬mask]: {@code where(mask, g, 0)}, {@code where(mask, 0, g)}.
     */
    public static Tensor where(Tensor mask, Tensor a, Tensor b) {
        checkDType("where", a, b);
        checkDType("where", mask, a);
        int[] shape = Shape.broadcast("where", mask.shape, Shape.broadcast("where", a.shape, b.shape));
        Tensor out = Tensor.blank(a.dtype, shape);
        a.dtype.kernels().where(broadcastData(mask, shape), broadcastData(a, shape), broadcastData(b, shape), out.data(), out.numel);
        Tensor zero = scalarLike(0, a);
        return Tape.record("where", out, (g, p) -> p.grads(() -> where(mask, g, zero), () -> where(mask, zero, g)), a, b);
    }

    // ================================================================ reductions

    private static boolean[] axesMask(String op, int rank, int... axes) {
        boolean[] r = new boolean[rank];
        if (axes.length == 0) Arrays.fill(r, true);
        for (int a : axes) {
            int ax = Shape.axis(op, a, rank);
            if (r[ax] && axes.length > 0) throw new ShapeException(op + ": axis " + a + " given twice");
            r[ax] = true;
        }
        return r;
    }

    /** The sum of all elements, as a 0-dimensional tensor. */
    public static Tensor sum(Tensor x) {
        return sum(x, false);
    }

    /**
     * out = Σ x over the given axes (all axes when none are given); keepDims leaves them as size 1.
     * ∂out/∂x = 1 on every summed element: {@code expand(g, x.shape)}.
     */
    public static Tensor sum(Tensor x, boolean keepDims, int... axes) {
        boolean[] reduce = axesMask("sum", x.rank(), axes);
        int[] keep = Shape.reduced(x.shape, reduce);
        Tensor out = Tensor.zeroed(x.dtype, keep);
        x.dtype.kernels().sumInto(x.data(), x.shape, out.data(), Shape.broadcastStrides(keep, x.shape));
        Tensor result = keepDims ? out : out.view(Shape.squeezed(x.shape, reduce));
        return Tape.record("sum", result, (g, p) -> p.grads(() -> expand(reshape(g, keep), x.shape)), x);
    }

    /** Σ x over the given axes, which are removed (all axes when none are given). */
    public static Tensor sum(Tensor x, int... axes) {
        return sum(x, false, axes);
    }

    /** The mean of all elements. */
    public static Tensor mean(Tensor x) {
        return mean(x, false);
    }

    /** The mean over the given axes, which are removed. */
    public static Tensor mean(Tensor x, int... axes) {
        return mean(x, false, axes);
    }

    /** The largest element, a 0-dimensional tensor (ties share the gradient equally). */
    public static Tensor max(Tensor x) {
        return max(x, false);
    }

    /** The maximum over the given axes, which are removed. */
    public static Tensor max(Tensor x, int... axes) {
        return max(x, false, axes);
    }

    /** out = (1/n)·Σ x over the axes, n the number of elements summed. A composition of sum and mul. */
    public static Tensor mean(Tensor x, boolean keepDims, int... axes) {
        boolean[] reduce = axesMask("mean", x.rank(), axes);
        long n = 1;
        for (int i = 0; i < reduce.length; i++) if (reduce[i]) n *= x.shape[i];
        return mul(sum(x, keepDims, axes), scalarLike(1.0 / n, x));
    }

    /**
     * out = max x over the axes. ∂out/∂x = [x = max]/(number of tied maxima): the gradient is split
     * equally between ties: {@code g·[x = out] / Σ[x = out]}.
     */
    public static Tensor max(Tensor x, boolean keepDims, int... axes) {
        boolean[] reduce = axesMask("max", x.rank(), axes);
        if (x.numel == 0) throw new ShapeException("max: empty tensor " + Shape.str(x.shape));
        int[] keep = Shape.reduced(x.shape, reduce);
        Tensor out = Tensor.full(Double.NEGATIVE_INFINITY, x.dtype, keep);
        x.dtype.kernels().maxInto(x.data(), x.shape, out.data(), Shape.broadcastStrides(keep, x.shape));
        Tensor result = keepDims ? out : out.view(Shape.squeezed(x.shape, reduce));
        return Tape.record("max", result, (g, p) -> p.grads(() -> {
            Tensor ties = constant(() -> eq(x, out));
            Tensor count = constant(() -> sum(ties, true, axes));
            return div(mul(reshape(g, keep), ties), count);
        }), x);
    }

    /** log Σ exp of all elements, a 0-dimensional tensor. */
    public static Tensor logSumExp(Tensor x) {
        return logSumExp(x, false);
    }

    /** log Σ exp over the given axes, which are removed. */
    public static Tensor logSumExp(Tensor x, int... axes) {
        return logSumExp(x, false, axes);
    }

    /**
     * out = log Σ exp(x) over the given axes (all when none), computed as m + log Σ exp(x − m) with m
     * the (constant) max, so it is finite for inputs up to ±1e4 in both dtypes. A composition: its
     * gradient is the softmax exp(x − out), which is 0, not NaN, where an entry is −∞.
     */
    public static Tensor logSumExp(Tensor x, boolean keepDims, int... axes) {
        boolean[] reduce = axesMask("logSumExp", x.rank(), axes);
        Tensor m = constant(() -> {
            Tensor mx = max(x, true, axes);
            // A row of −∞ (or +∞) gives a non-finite max: shift by 0 instead, as PyTorch does.
            Tensor finite = eq(sub(mx, mx), scalarLike(0, x));
            return where(finite, mx, scalarLike(0, x));
        });
        Tensor lse = add(log(sum(exp(sub(x, m)), true, axes)), m);
        return keepDims ? lse : reshape(lse, Shape.squeezed(x.shape, reduce));
    }

    /**
     * out = log softmax(x) = x − log Σ exp(x) along an axis, computed as x − m − log Σ exp(x − m) with m the
     * max, so it is finite wherever x is. ∂out/∂x = I − softmax(x)·1ᵀ along the axis:
     * {@code g − exp(out)·Σ g}.
     */
    public static Tensor logSoftmax(Tensor x, int axis) {
        int ax = Shape.axis("logSoftmax", axis, x.rank());
        Tensor out = constant(() -> sub(x, logSumExp(x, true, ax)));
        out.untracked = false;
        return Tape.record("logSoftmax", out, (g, p) -> p.grads(() -> sub(g, mul(exp(out), sum(g, true, ax)))), x);
    }

    /**
     * out = softmax(x) = exp(x) / Σ exp(x) along an axis, computed as exp(log softmax(x)) so it never
     * overflows. ∂outᵢ/∂xⱼ = outᵢ(δᵢⱼ − outⱼ): {@code out·(g − Σ g·out)}.
     */
    public static Tensor softmax(Tensor x, int axis) {
        int ax = Shape.axis("softmax", axis, x.rank());
        Tensor out = constant(() -> exp(logSoftmax(x, ax)));
        out.untracked = false;
        return Tape.record("softmax", out, (g, p) -> p.grads(() -> mul(out, sub(g, sum(mul(g, out), true, ax)))), x);
    }

    /** Sums a gradient of a broadcast shape back to {@code shape}: the one place broadcasting is undone. */
    static Tensor sumToShape(Tensor g, int[] shape) {
        if (Arrays.equals(g.shape, shape)) return g;
        // only axes of size 1 differ (a [B, D] operand broadcast over one sample, [1, B, D]): nothing to sum
        if (g.numel == Shape.numel(shape) && Shape.broadcastsTo(shape, g.shape)) return reshape(g, shape);
        return sumTo(g, shape);
    }

    /**
     * out = x summed down to {@code shape}, the inverse of broadcasting: leading axes and axes where
     * {@code shape} has 1 are summed. ∂out/∂x: {@code expand(g, x.shape)}.
     */
    public static Tensor sumTo(Tensor x, int[] shape) {
        if (!Shape.broadcastsTo(shape, x.shape)) {
            throw new ShapeException("sumTo: " + Shape.str(x.shape) + " cannot be summed to " + Shape.str(shape));
        }
        Tensor out = Tensor.zeroed(x.dtype, shape);
        x.dtype.kernels().sumInto(x.data(), x.shape, out.data(), Shape.broadcastStrides(shape, x.shape));
        return Tape.record("sumTo", out, (g, p) -> p.grads(() -> expand(g, x.shape)), x);
    }

    // ================================================================ movement

    /**
     * The same data with a new shape (one entry may be −1 to be inferred); no copy.
     * ∂out/∂x: {@code reshape(g, x.shape)}.
     */
    public static Tensor reshape(Tensor x, int... shape) {
        int[] s = shape.clone();
        int infer = -1, known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1 && infer < 0) infer = i;
            else if (s[i] < 0) throw new ShapeException("reshape: " + Shape.str(x.shape) + " to " + Shape.str(shape) + ": invalid dimension " + s[i]);
            else known *= s[i];
        }
        if (infer >= 0) {
            if (known == 0 || x.numel % known != 0) {
                throw new ShapeException("reshape: " + Shape.str(x.shape) + " to " + Shape.str(shape) + ": cannot infer -1");
            }
            s[infer] = x.numel / known;
        }
        if (Shape.numel(s) != x.numel) {
            throw new ShapeException("reshape: " + Shape.str(x.shape) + " (" + x.numel + " elements) to "
                    + Shape.str(shape) + " (" + Shape.numel(s) + " elements)");
        }
        if (Arrays.equals(s, x.shape)) return x;
        Tensor out = x.view(s);
        return Tape.record("reshape", out, (g, p) -> p.grads(() -> reshape(g, x.shape)), x);
    }

    /**
     * Axes reordered: out.shape[i] = x.shape[perm[i]]. ∂out/∂x: {@code permute(g, perm⁻¹)}.
     */
    public static Tensor permute(Tensor x, int... perm) {
        int r = x.rank();
        if (perm.length != r) throw new ShapeException("permute: " + Arrays.toString(perm) + " for shape " + Shape.str(x.shape));
        int[] inverse = new int[r];
        boolean[] seen = new boolean[r];
        int[] shape = new int[r], srcStrides = new int[r], xs = Shape.strides(x.shape);
        for (int i = 0; i < r; i++) {
            int p = Shape.axis("permute", perm[i], r);
            if (seen[p]) throw new ShapeException("permute: " + Arrays.toString(perm) + " is not a permutation");
            seen[p] = true;
            inverse[p] = i;
            shape[i] = x.shape[p];
            srcStrides[i] = xs[p];
        }
        Tensor out = Tensor.blank(x.dtype, shape);
        x.dtype.kernels().copy(x.data(), 0, srcStrides, shape, out.data(), 0, Shape.strides(shape));
        return Tape.record("permute", out, (g, p) -> p.grads(() -> permute(g, inverse)), x);
    }

    /** The transpose: all axes reversed, as NumPy's {@code .T} (for a matrix, rows and columns swapped; a vector is itself). */
    public static Tensor T(Tensor x) {
        int r = x.rank();
        if (r < 2) return x;
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
        return permute(x, perm);
    }

    /** Swaps two axes (a {@link #permute}). */
    public static Tensor transpose(Tensor x, int axis0, int axis1) {
        int[] perm = new int[x.rank()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        int a = Shape.axis("transpose", axis0, x.rank()), b = Shape.axis("transpose", axis1, x.rank());
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    /**
     * x broadcast to {@code shape} (NumPy rules), alias broadcastTo. ∂out/∂x: {@code sumTo(g, x.shape)}.
     */
    public static Tensor expand(Tensor x, int... shape) {
        if (!Shape.broadcastsTo(x.shape, shape)) {
            throw new ShapeException("expand: " + Shape.str(x.shape) + " cannot be broadcast to " + Shape.str(shape));
        }
        if (Arrays.equals(x.shape, shape)) return x;
        // only axes of size 1 added: x's own array, so a view valid exactly as long as x (as reshape's)
        Tensor out = x.numel == Shape.numel(shape) ? x.view(shape.clone())
                : new Tensor(x.dtype, shape.clone(), broadcastData(x, shape)).fromCurrentArena();
        return Tape.record("expand", out, (g, p) -> p.grads(() -> sumTo(g, x.shape)), x);
    }

    /** Alias of {@link #expand}, by NumPy's name. */
    public static Tensor broadcastTo(Tensor x, int... shape) {
        return expand(x, shape);
    }

    /**
     * The elements start ≤ i &lt; end along an axis. ∂out/∂x: {@code g} placed back, zeros elsewhere:
     * {@code pad(g, axis, start, dim − end)}.
     */
    public static Tensor slice(Tensor x, int axis, int start, int end) {
        int ax = Shape.axis("slice", axis, x.rank());
        int dim = x.shape[ax];
        if (start < 0 || end > dim || start > end) {
            throw new ShapeException("slice: [" + start + ", " + end + ") out of range for axis " + axis
                    + " of size " + dim + " in " + Shape.str(x.shape));
        }
        int[] shape = x.shape.clone();
        shape[ax] = end - start;
        int[] xs = Shape.strides(x.shape);
        Tensor out = Tensor.blank(x.dtype, shape);
        x.dtype.kernels().copy(x.data(), start * xs[ax], xs, shape, out.data(), 0, Shape.strides(shape));
        return Tape.record("slice", out, (g, p) -> p.grads(() -> pad(g, ax, start, dim - end)), x);
    }

    /**
     * x with {@code before} zeros in front and {@code after} zeros behind along an axis.
     * ∂out/∂x: {@code slice(g, axis, before, before + x.shape[axis])}.
     */
    public static Tensor pad(Tensor x, int axis, int before, int after) {
        int ax = Shape.axis("pad", axis, x.rank());
        if (before < 0 || after < 0) throw new ShapeException("pad: negative padding " + before + ", " + after);
        int[] shape = x.shape.clone();
        shape[ax] += before + after;
        int[] os = Shape.strides(shape);
        Tensor out = Tensor.zeroed(x.dtype, shape);
        x.dtype.kernels().copy(x.data(), 0, Shape.strides(x.shape), x.shape, out.data(), before * os[ax], os);
        return Tape.record("pad", out, (g, p) -> p.grads(() -> slice(g, ax, before, before + x.shape[ax])), x);
    }

    /**
     * The tensors joined along an axis; all other dimensions must agree. ∂out/∂xᵢ: the slice of
     * {@code g} that xᵢ occupies.
     */
    public static Tensor concat(int axis, List<Tensor> xs) {
        if (xs.isEmpty()) throw new ShapeException("concat: no tensors");
        Tensor first = xs.get(0);
        int ax = Shape.axis("concat", axis, first.rank());
        int[] shape = first.shape.clone();
        shape[ax] = 0;
        for (Tensor x : xs) {
            checkDType("concat", first, x);
            boolean ok = x.rank() == first.rank();
            for (int d = 0; ok && d < shape.length; d++) ok = d == ax || x.shape[d] == first.shape[d];
            if (!ok) {
                throw new ShapeException("concat: " + Shape.str(first.shape) + " and " + Shape.str(x.shape)
                        + " differ outside axis " + axis);
            }
            shape[ax] += x.shape[ax];
        }
        Tensor out = Tensor.blank(first.dtype, shape);
        int[] os = Shape.strides(shape);
        int[] offsets = new int[xs.size()];
        int off = 0;
        for (int t = 0; t < xs.size(); t++) {
            Tensor x = xs.get(t);
            offsets[t] = off;
            first.dtype.kernels().copy(x.data(), 0, Shape.strides(x.shape), x.shape, out.data(), off * os[ax], os);
            off += x.shape[ax];
        }
        Tensor[] inputs = xs.toArray(new Tensor[0]);
        return Tape.record("concat", out, (g, p) -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                if (p.needs(i)) grads[i] = slice(g, ax, offsets[i], offsets[i] + inputs[i].shape[ax]);
            }
            return grads;
        }, inputs);
    }

    /** {@link #concat(int, List)} with varargs. */
    public static Tensor concat(int axis, Tensor... xs) {
        return concat(axis, List.of(xs));
    }

    /**
     * The tensors, all of one shape, joined along a new axis (0 ≤ axis ≤ rank; negative counts from the
     * end): out.shape = the shape with n inserted at {@code axis}. ∂out/∂xᵢ: the i-th slice of g along the
     * new axis, the axis removed: {@code reshape(slice(g, axis, i, i + 1), x.shape)}.
     */
    public static Tensor stack(int axis, List<Tensor> xs) {
        if (xs.isEmpty()) throw new ShapeException("stack: no tensors");
        Tensor first = xs.get(0);
        int ax = Shape.axis("stack", axis, first.rank() + 1);
        int[] one = new int[first.rank() + 1];
        for (int d = 0, s = 0; d < one.length; d++) one[d] = d == ax ? 1 : first.shape[s++];
        for (Tensor x : xs) {
            checkDType("stack", first, x);
            if (!Arrays.equals(x.shape, first.shape)) {
                throw new ShapeException("stack: " + Shape.str(first.shape) + " and " + Shape.str(x.shape) + " differ: stacked tensors need one shape");
            }
        }
        Tensor out = constant(() -> concat(ax, xs.stream().map(x -> reshape(x, one)).toList()));
        out.untracked = false;
        Tensor[] inputs = xs.toArray(new Tensor[0]);
        return Tape.record("stack", out, (g, p) -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) if (p.needs(i)) grads[i] = reshape(slice(g, ax, i, i + 1), inputs[i].shape);
            return grads;
        }, inputs);
    }

    /** {@link #stack(int, List)} with varargs. */
    public static Tensor stack(int axis, Tensor... xs) {
        return stack(axis, List.of(xs));
    }

    /**
     * out[p] = x[flat[p]] for every position p of {@code shape}, flat a row-major position in x (NumPy's
     * {@code take} without an axis): the one primitive of indexing. ∂out/∂x: each g[p] added back where it
     * was taken from, so a position taken twice gets both: {@code addAt(g, flat, x.shape)}.
     */
    public static Tensor take(Tensor x, int[] flat, int... shape) {
        if (flat.length != Shape.numel(shape)) {
            throw new ShapeException("take: " + flat.length + " positions do not fill shape " + Shape.str(shape));
        }
        for (int f : flat) {
            if (f < 0 || f >= x.numel) throw new ShapeException("take: position " + f + " out of range for " + Shape.str(x.shape));
        }
        Tensor out = Tensor.blank(x.dtype, shape);
        Kernels<Object> k = x.dtype.kernels();
        for (int p = 0; p < flat.length; p++) k.set(out.data(), p, k.get(x.data(), flat[p]));
        int[] xShape = x.shape;
        return Tape.record("take", out, (g, pass) -> pass.grads(() -> addAt(g, flat, xShape)), x);
    }

    /**
     * out = zeros of {@code shape}, then out[flat[p]] += src[p] for every position p of src (NumPy's
     * {@code np.add.at}): the transpose of {@link #take}. ∂out/∂src: {@code take(g, flat, src.shape)}.
     */
    public static Tensor addAt(Tensor src, int[] flat, int... shape) {
        if (flat.length != src.numel) {
            throw new ShapeException("addAt: " + flat.length + " positions for a source of " + src.numel + " elements");
        }
        int n = Shape.numel(shape);
        for (int f : flat) if (f < 0 || f >= n) throw new ShapeException("addAt: position " + f + " out of range for " + Shape.str(shape));
        Tensor out = Tensor.zeroed(src.dtype, shape);
        Kernels<Object> k = src.dtype.kernels();
        for (int p = 0; p < flat.length; p++) k.set(out.data(), flat[p], k.get(out.data(), flat[p]) + k.get(src.data(), p));
        int[] srcShape = src.shape;
        return Tape.record("addAt", out, (g, pass) -> pass.grads(() -> take(g, flat, srcShape)), src);
    }

    /**
     * PyTorch's {@code gather}: out has the shape of {@code index} (a tensor of whole numbers, of x's rank,
     * no larger than x on the other axes), and out[i, j, k] = x[i, index[i, j, k], k] for axis 1, likewise
     * for any axis. A {@link #take} at the positions the index names, so its derivative is take's:
     * {@code addAt(g, positions, x.shape)}, the gradient scattered back and summed where an index repeats.
     */
    public static Tensor gather(Tensor x, int axis, Tensor index) {
        int ax = Shape.axis("gather", axis, x.rank());
        if (index.rank() != x.rank()) {
            throw new ShapeException("gather: index " + Shape.str(index.shape) + " needs the rank of x " + Shape.str(x.shape));
        }
        for (int d = 0; d < x.rank(); d++) {
            if (d != ax && index.shape[d] > x.shape[d]) {
                throw new ShapeException("gather: index " + Shape.str(index.shape) + " is larger than x " + Shape.str(x.shape)
                        + " on axis " + d);
            }
        }
        double[] idx = index.values();
        int[] flat = new int[idx.length], xs = Shape.strides(x.shape), is = Shape.strides(index.shape);
        for (int p = 0; p < idx.length; p++) {
            double i = idx[p];
            if (i != Math.rint(i) || i < 0 || i >= x.shape[ax]) {
                throw new ShapeException("gather: index value " + i + " is not a position on axis " + axis + " of size " + x.shape[ax]);
            }
            int rem = p, f = 0;
            for (int d = 0; d < is.length; d++) {
                int c = rem / is[d];
                rem %= is[d];
                f += (d == ax ? (int) i : c) * xs[d];
            }
            flat[p] = f;
        }
        return take(x, flat, index.shape);
    }

    /**
     * PyTorch's {@code index_select}: the entries {@code indices} (repeats allowed) along an axis, in that
     * order; out.shape is x's with that axis of size indices.length. A {@link #take}, so its derivative is
     * {@code addAt(g, positions, x.shape)}: each row's gradient summed back into the row it came from.
     */
    public static Tensor indexSelect(Tensor x, int axis, int... indices) {
        int ax = Shape.axis("indexSelect", axis, x.rank());
        int dim = x.shape[ax], inner = Shape.strides(x.shape)[ax], outer = x.numel / Math.max(1, dim * inner);
        for (int i : indices) {
            if (i < 0 || i >= dim) throw new ShapeException("indexSelect: index " + i + " out of range for axis " + axis + " of size " + dim);
        }
        int[] shape = x.shape.clone();
        shape[ax] = indices.length;
        int[] flat = new int[Shape.numel(shape)];
        int p = 0;
        for (int o = 0; o < outer; o++) {
            for (int i : indices) {
                for (int j = 0; j < inner; j++) flat[p++] = (o * dim + i) * inner + j;
            }
        }
        return take(x, flat, shape);
    }

    // ================================================================ matmul

    /**
     * The matrix product as NumPy and PyTorch define it: over the last two axes, leading (batch) axes
     * broadcast; a 1-D {@code a} is a row vector [1, k] and a 1-D {@code b} a column [k, 1], the added axis
     * removed from the result, so vector·vector is the dot product (0-dimensional), matrix·vector a vector.
     * A composition of {@link #reshape} and {@link #matmul(Tensor, Tensor, boolean, boolean)}, whose rules
     * give its derivative: ∂L/∂a = g·bᵀ, ∂L/∂b = aᵀ·g, in the vectors' own shapes.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() >= 2 && b.rank() >= 2) return matmul(a, b, false, false);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new ShapeException("matmul: " + Shape.str(a.shape) + " x " + Shape.str(b.shape)
                    + ": a 0-dimensional operand has no matrix product (use mul)");
        }
        int ka = a.shape[a.rank() - 1], kb = b.rank() == 1 ? b.shape[0] : b.shape[b.rank() - 2];
        if (ka != kb) {
            throw new ShapeException("matmul: " + Shape.str(a.shape) + " x " + Shape.str(b.shape) + ": inner dimensions "
                    + ka + " and " + kb + " differ");
        }
        Tensor out = matmul(a.rank() == 1 ? reshape(a, 1, ka) : a, b.rank() == 1 ? reshape(b, kb, 1) : b, false, false);
        int r = out.rank();
        int[] shape = Arrays.copyOf(out.shape, r - (a.rank() == 1 ? 1 : 0) - (b.rank() == 1 ? 1 : 0));
        if (a.rank() == 1 && b.rank() > 1) shape[r - 2] = out.shape[r - 1]; // the row axis of [.., 1, n] removed
        return reshape(out, shape);
    }

    /**
     * out = op(a)·op(b) over the last two axes, op(t) = tᵀ when its flag is set (the transpose is
     * never materialised); leading batch axes broadcast. With C = op(A)·op(B):
     * ∂L/∂A = g·op(B)ᵀ (stored back as Aᵀ's layout when transA), ∂L/∂B = op(A)ᵀ·g (likewise) —
     * each again a matmul with flags, so no transpose is ever copied:
     * <pre>
     *   ∂A = transA ? matmul(B, g, transB, true) : matmul(g, B, false, !transB)
     *   ∂B = transB ? matmul(g, A, true, transA) : matmul(A, g, !transA, false)
     * </pre>
     */
    public static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        checkDType("matmul", a, b);
        if (a.rank() < 2 || b.rank() < 2) {
            throw new ShapeException("matmul: " + Shape.str(a.shape) + " x " + Shape.str(b.shape)
                    + ": both operands need at least 2 dimensions");
        }
        int ra = a.rank(), rb = b.rank();
        int m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
        int k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
        int k2 = transB ? b.shape[rb - 1] : b.shape[rb - 2];
        int n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
        if (k != k2) {
            throw new ShapeException("matmul: " + Shape.str(a.shape) + (transA ? "ᵀ" : "") + " x " + Shape.str(b.shape)
                    + (transB ? "ᵀ" : "") + ": inner dimensions " + k + " and " + k2 + " differ");
        }
        int[] aBatch = Arrays.copyOf(a.shape, ra - 2), bBatch = Arrays.copyOf(b.shape, rb - 2);
        int[] batch = Shape.broadcast("matmul", aBatch, bBatch);
        int[] shape = Arrays.copyOf(batch, batch.length + 2);
        shape[batch.length] = m;
        shape[batch.length + 1] = n;
        Tensor out = Tensor.blank(a.dtype, shape);
        int[] aStr = Shape.broadcastStrides(aBatch, batch), bStr = Shape.broadcastStrides(bBatch, batch);
        int count = Shape.numel(batch);
        Kernels<Object> kern = a.dtype.kernels();
        for (int t = 0; t < count; t++) {
            int rem = t, ao = 0, bo = 0;
            for (int d = batch.length - 1; d >= 0; d--) {
                int idx = rem % batch[d];
                rem /= batch[d];
                ao += idx * aStr[d];
                bo += idx * bStr[d];
            }
            kern.matmul(a.data(), ao * m * k, transA, b.data(), bo * k * n, transB, out.data(), t * m * n, m, n, k);
        }
        return Tape.record("matmul", out, (g, p) -> p.grads(
                () -> transA ? matmul(b, g, transB, true) : matmul(g, b, false, !transB),
                () -> transB ? matmul(g, a, true, transA) : matmul(a, g, !transA, false)), a, b);
    }

    // ================================================================ convolution

    /**
     * The 2-D convolution of deep learning (PyTorch's {@code F.conv2d}: a cross-correlation, the kernel not
     * flipped), NCHW: x [N, C, H, W], w [O, C, kh, kw], b [O] or null, square stride s ≥ 1 and zero padding
     * p ≥ 0; out [N, O, OH, OW] with OH = ⌊(H + 2p − kh)/s⌋ + 1 (OW likewise) and
     * <pre>
     *   out[n, o, y, x] = b[o] + Σ_{c, i, j} x[n, c, y·s − p + i, x·s − p + j] · w[o, c, i, j]
     * </pre>
     * (pixels outside the image read as 0). It is linear in x and in w, so each gradient is the adjoint
     * map applied to g — again a convolution:
     * <pre>
     *   ∂L/∂x = convTranspose2d(g, w, s, p)            the transposed convolution of g, cropped to H × W
     *   ∂L/∂w = conv2dWeight(x, g, kh, kw, s, p)       ∂w[o, c, i, j] = Σ_{n, y, x} g[n, o, y, x]·x[n, c, y·s − p + i, x·s − p + j]
     *   ∂L/∂b = Σ_{n, y, x} g[n, o, y, x]              the sum of g over the images and the pixels
     * </pre>
     * (PyTorch's {@code torch.nn.grad.conv2d_input} and {@code conv2d_weight}). The rules are the recorded
     * ops themselves, so a convolution can be differentiated again.
     */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor b, int stride, int padding) {
        String what = checkConvOperands("conv2d", x, w, b, 1, 0);
        ConvGeometry geo = convGeometry(what, x.shape, w.shape[0], w.shape[2], w.shape[3], stride, padding);
        return conv2d(x, w, b, geo);
    }

    /** The convolution of a checked geometry. */
    private static Tensor conv2d(Tensor x, Tensor w, Tensor b, ConvGeometry geo) {
        Tensor out = Tensor.blank(x.dtype, new int[] {geo.batch(), geo.outChannels(), geo.outHeight(), geo.outWidth()});
        x.dtype.kernels().conv2d(x.data(), w.data(), b == null ? null : b.data(), out.data(), geo);
        Tape.Rule rule = (g, p) -> {
            java.util.function.Supplier<Tensor> dx = () -> convTranspose2d(g, w, null, geo), dw = () -> conv2dWeight(x, g, geo);
            return b == null ? p.grads(dx, dw) : p.grads(dx, dw, () -> biasGradient(g));
        };
        return b == null ? Tape.record("conv2d", out, rule, x, w) : Tape.record("conv2d", out, rule, x, w, b);
    }

    /**
     * The transposed convolution (PyTorch's {@code F.conv_transpose2d}, sometimes called a deconvolution):
     * the adjoint of {@link #conv2d} in its input, which spreads each input pixel over a kh × kw patch of the
     * output, s pixels apart. x [N, C, H, W], w [C, O, kh, kw] (PyTorch's [in, out, kh, kw]), b [O] or null,
     * 0 ≤ outputPadding &lt; s; out [N, O, OH, OW] with OH = (H − 1)·s − 2p + kh + outputPadding (OW likewise) and
     * <pre>
     *   out[n, o, h, v] = b[o] + Σ_{c, y, x, i, j : y·s − p + i = h, x·s − p + j = v} x[n, c, y, x] · w[c, o, i, j]
     * </pre>
     * so that ⟨conv2d(u, w), x⟩ = ⟨u, convTranspose2d(x, w)⟩ for every u of out's shape (of the s output sizes
     * that a stride-s convolution maps onto H, outputPadding picks one). Its gradients, by the same adjointness:
     * <pre>
     *   ∂L/∂x = conv2d(g, w, s, p)                    the convolution of g
     *   ∂L/∂w = conv2dWeight(g, x, kh, kw, s, p)      ∂w[c, o, i, j] = Σ_{n, y, x} x[n, c, y, x]·g[n, o, y·s − p + i, x·s − p + j]
     *   ∂L/∂b = Σ_{n, h, v} g[n, o, h, v]             the sum of g over the images and the pixels
     * </pre>
     */
    public static Tensor convTranspose2d(Tensor x, Tensor w, Tensor b, int stride, int padding, int outputPadding) {
        String what = checkConvOperands("convTranspose2d", x, w, b, 0, 1) + ", stride " + stride + ", padding " + padding;
        checkStrideAndPadding(what, stride, padding);
        if (outputPadding < 0 || outputPadding >= stride) {
            throw new ShapeException(what + ": output padding " + outputPadding + " must be at least 0 and less than the stride");
        }
        int oh = (x.shape[2] - 1) * stride - 2 * padding + w.shape[2] + outputPadding;
        int ow = (x.shape[3] - 1) * stride - 2 * padding + w.shape[3] + outputPadding;
        if (oh < 1 || ow < 1 || x.shape[2] == 0 || x.shape[3] == 0) {
            throw new ShapeException(what + ": the output would be " + oh + "×" + ow + " (the padding is larger than the input allows)");
        }
        return convTranspose2d(x, w, b, new ConvGeometry(x.shape[0], w.shape[1], oh, ow, w.shape[0], w.shape[2], w.shape[3],
                stride, padding, x.shape[2], x.shape[3]));
    }

    /** The transposed convolution of a checked geometry (its output is the geometry's input side). */
    private static Tensor convTranspose2d(Tensor x, Tensor w, Tensor b, ConvGeometry geo) {
        Tensor out = Tensor.blank(x.dtype, new int[] {geo.batch(), geo.channels(), geo.height(), geo.width()});
        x.dtype.kernels().convTranspose2d(x.data(), w.data(), b == null ? null : b.data(), out.data(), geo);
        Tape.Rule rule = (g, p) -> {
            java.util.function.Supplier<Tensor> dx = () -> conv2d(g, w, null, geo), dw = () -> conv2dWeight(g, x, geo);
            return b == null ? p.grads(dx, dw) : p.grads(dx, dw, () -> biasGradient(g));
        };
        return b == null ? Tape.record("convTranspose2d", out, rule, x, w) : Tape.record("convTranspose2d", out, rule, x, w, b);
    }

    /**
     * The weight correlation of a convolution (PyTorch's {@code torch.nn.grad.conv2d_weight}): what
     * {@link #conv2d}'s rule sends to w. x [N, C, H, W], gy [N, O, OH, OW] of the size that conv2d with stride s
     * and padding p maps x to; out [O, C, kh, kw] with
     * <pre>
     *   out[o, c, i, j] = Σ_{n, y, x} gy[n, o, y, x] · x[n, c, y·s − p + i, x·s − p + j]
     * </pre>
     * Bilinear in x and gy, with ⟨out, h⟩ = ⟨gy, conv2d(x, h)⟩ = ⟨x, convTranspose2d(gy, h)⟩, so
     * <pre>
     *   ∂L/∂x  = convTranspose2d(gy, g, s, p)   cropped to H × W
     *   ∂L/∂gy = conv2d(x, g, s, p)
     * </pre>
     */
    public static Tensor conv2dWeight(Tensor x, Tensor gy, int kernelH, int kernelW, int stride, int padding) {
        checkDType("conv2dWeight", x, gy);
        String what = "conv2dWeight: input " + Shape.str(x.shape) + ", output gradient " + Shape.str(gy.shape) + ", kernel " + kernelH
                + "×" + kernelW;
        if (x.rank() != 4 || gy.rank() != 4 || x.shape[0] != gy.shape[0]) {
            throw new ShapeException(what + ": need input [N, C, H, W] and output gradient [N, O, OH, OW]");
        }
        if (kernelH < 1 || kernelW < 1) throw new ShapeException(what + ": the kernel is empty");
        ConvGeometry geo = convGeometry(what, x.shape, gy.shape[1], kernelH, kernelW, stride, padding);
        if (geo.outHeight() != gy.shape[2] || geo.outWidth() != gy.shape[3]) {
            throw new ShapeException(what + ", stride " + stride + ", padding " + padding + ": the convolution's output is "
                    + geo.outHeight() + "×" + geo.outWidth() + ", not " + gy.shape[2] + "×" + gy.shape[3]);
        }
        return conv2dWeight(x, gy, geo);
    }

    /** The weight correlation of a checked geometry. */
    private static Tensor conv2dWeight(Tensor x, Tensor gy, ConvGeometry geo) {
        Tensor out = Tensor.blank(x.dtype, new int[] {geo.outChannels(), geo.channels(), geo.kernelH(), geo.kernelW()});
        x.dtype.kernels().conv2dWeight(x.data(), gy.data(), out.data(), geo);
        return Tape.record("conv2dWeight", out, (g, p) -> p.grads(
                () -> convTranspose2d(gy, g, null, geo),
                () -> conv2d(x, g, null, geo)), x, gy);
    }

    /** A convolution's bias gradient Σ_{n, y, x} g[n, o, y, x], summed over each image's channel as one run of pixels. */
    private static Tensor biasGradient(Tensor g) {
        return sum(reshape(g, g.shape[0], g.shape[1], g.shape[2] * g.shape[3]), false, 0, 2);
    }

    /**
     * The checks conv2d and convTranspose2d share (dtypes; ranks 4; x's channels equal to the weight's axis
     * {@code inAxis}; a bias as long as the weight's axis {@code outAxis}; a kernel of at least 1 × 1), and
     * the start of every message: "op: input [..], weight [..], bias [..]".
     */
    private static String checkConvOperands(String op, Tensor x, Tensor w, Tensor b, int inAxis, int outAxis) {
        checkDType(op, x, w);
        if (b != null) checkDType(op, x, b);
        String what = op + ": input " + Shape.str(x.shape) + ", weight " + Shape.str(w.shape) + (b == null ? "" : ", bias " + Shape.str(b.shape));
        String layout = "need input [N, C, H, W], weight " + (inAxis == 1 ? "[O, C, kh, kw]" : "[C, O, kh, kw]") + ", bias [O]";
        if (x.rank() != 4 || w.rank() != 4 || (b != null && b.rank() != 1)) throw new ShapeException(what + ": " + layout);
        if (x.shape[1] != w.shape[inAxis]) {
            throw new ShapeException(what + ": the input has " + x.shape[1] + " channels, the weight " + w.shape[inAxis] + " (" + layout + ")");
        }
        if (b != null && b.shape[0] != w.shape[outAxis]) {
            throw new ShapeException(what + ": the bias has " + b.shape[0] + " entries for " + w.shape[outAxis] + " output channels");
        }
        if (w.shape[2] == 0 || w.shape[3] == 0) throw new ShapeException(what + ": the kernel is empty");
        return what;
    }

    private static void checkStrideAndPadding(String what, int stride, int padding) {
        if (stride < 1) throw new ShapeException(what + ": the stride must be at least 1");
        if (padding < 0) throw new ShapeException(what + ": the padding must not be negative");
    }

    /** The geometry of a convolution of an input [N, C, H, W] by an O × C × kh × kw kernel, the kernel no larger than the padded input. */
    private static ConvGeometry convGeometry(String what, int[] x, int outChannels, int kh, int kw, int stride, int padding) {
        String all = what + ", stride " + stride + ", padding " + padding;
        checkStrideAndPadding(all, stride, padding);
        if (kh > x[2] + 2 * padding || kw > x[3] + 2 * padding) {
            throw new ShapeException(all + ": the kernel " + kh + "×" + kw + " is larger than the padded input "
                    + (x[2] + 2 * padding) + "×" + (x[3] + 2 * padding));
        }
        return ConvGeometry.of(x[0], x[1], x[2], x[3], outChannels, kh, kw, stride, padding);
    }

    // ================================================================ compositions (no rule of their own)

    /** x² as x·x. */
    public static Tensor square(Tensor x) {
        return mul(x, x);
    }

    /** log σ(x) = −softplus(−x): finite for every finite x. */
    public static Tensor logSigmoid(Tensor x) {
        return neg(softplus(neg(x)));
    }

    // ================================================================ losses

    /** Mean squared error: mean((a − b)²) over all elements, a 0-dimensional tensor. */
    public static Tensor mse(Tensor a, Tensor b) {
        return mean(square(sub(a, b)));
    }
}

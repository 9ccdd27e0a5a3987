package io.elbo.autodiff;

import io.elbo.autodiff.backend.Arena;
import io.elbo.autodiff.backend.Kernels;
import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * An n-dimensional, row-major array of float32 or float64 values, with an optional gradient.
 *
 * <p>The data is one flat primitive array ({@code float[]} or {@code double[]}); there is no object
 * per element. A tensor that {@linkplain #requiresGrad() requires gradients} has every op applied
 * to it recorded on the thread's {@link Tape}; {@link #backward()} then fills {@link #grad()} of the
 * leaves. The op methods here are one-line shortcuts for {@link Ops}, where each op's forward and
 * derivative are written side by side; each method's comment states its formula and derivative and links
 * the rule that implements it.
 */
public final class Tensor {
    final DType dtype;
    final int[] shape;
    /** The flat row-major array; read it through {@link #data()}, which refuses storage an arena has taken back. */
    private final Object array;
    final int numel;
    /** The arena entry whose storage this tensor's array is (null: the array is the tensor's own). */
    private Arena arena;
    private long generation;

    boolean requiresGrad;
    /** Made by an op while nothing was recorded (under noGrad, or by an unrecorded backward pass). */
    boolean untracked;
    /** A name for printing, drawing and error messages (null: none). */
    private String name;
    /** The op that produced this tensor ("leaf" for a tensor made from data). */
    String op = "leaf";
    /** Absolute position of the producing entry on the tape; -1 for a leaf. */
    long tapeIndex = -1;
    /** The tape that recorded this tensor (the recording thread's); null for a leaf. */
    Tape tape;
    Tensor grad;

    Tensor(DType dtype, int[] shape, Object data) {
        this.dtype = dtype;
        this.shape = shape;
        this.array = data;
        this.numel = Shape.numel(shape);
    }

    /**
     * The data, as long as it is this tensor's: an op result whose storage came from an {@link
     * Arena} is refused once that arena has been entered again, since its
     * array then holds another step's values.
     */
    Object data() {
        if (arena != null && arena.generation() != generation) {
            throw new IllegalStateException("a tensor " + Shape.str(shape) + " made by '" + op + "' in an earlier entry of an Arena is"
                    + " used after the arena was entered again: its storage now holds this entry's results (copy() it inside its entry"
                    + " to keep it)");
        }
        return array;
    }

    /** Marks this tensor's array as lent by the arena entered now, if any (an op result made there). */
    Tensor fromCurrentArena() {
        arena = Arena.current();
        if (arena != null) generation = arena.generation();
        return this;
    }

    /** A tensor of another shape on this one's array (a view), valid exactly as long as this one. */
    Tensor view(int[] newShape) {
        Tensor t = new Tensor(dtype, newShape, data());
        t.arena = arena;
        t.generation = generation;
        return t;
    }

    /** A new tensor of zeros. */
    static Tensor zeroed(DType dtype, int[] shape) {
        return new Tensor(dtype, shape.clone(), dtype.kernels().allocate(Shape.numel(shape)));
    }

    /**
     * A tensor for an op's result, whose every element the op writes: its storage comes from the
     * entered {@link Arena}, if any, and may hold stale values until written.
     */
    static Tensor blank(DType dtype, int[] shape) {
        return new Tensor(dtype, shape.clone(), dtype.blankArray(Shape.numel(shape))).fromCurrentArena();
    }

    // ---------------------------------------------------------------- creation

    /**
     * A 1-D float64 tensor holding a copy of {@code values}: {@code Tensor.of(1, 2, 3)}. For any other
     * shape, give it: {@link #of(double[], int...)}; for a 0-dimensional one, {@link #scalar(double)}.
     */
    public static Tensor of(double... values) {
        return new Tensor(DType.FLOAT64, new int[] {values.length}, values.clone());
    }

    /**
     * A float64 tensor of exactly {@code shape} holding a copy of {@code values} (row-major):
     * {@code Tensor.of(v, 2, 3)}. The shape is taken as given, so {@code new int[0]} makes a
     * 0-dimensional tensor of one value; the count must fill it.
     */
    public static Tensor of(double[] values, int... shape) {
        checkCount(values.length, shape);
        return new Tensor(DType.FLOAT64, shape.clone(), values.clone());
    }

    /**
     * A 1-D float32 tensor holding a copy of {@code values}; the float32 twin of {@link #of(double...)}.
     * (Not varargs, so that {@code Tensor.of(1, 2, 3)} is float64.)
     */
    public static Tensor of(float[] values) {
        return new Tensor(DType.FLOAT32, new int[] {values.length}, values.clone());
    }

    /** A float32 tensor of exactly {@code shape} holding a copy of {@code values}; the twin of {@link #of(double[], int...)}. */
    public static Tensor of(float[] values, int... shape) {
        checkCount(values.length, shape);
        return new Tensor(DType.FLOAT32, shape.clone(), values.clone());
    }

    /** A float64 matrix from rows of equal length: {@code Tensor.of(new double[][] {{1, 2}, {3, 4}})}. */
    public static Tensor of(double[][] rows) {
        int m = rows.length, n = m == 0 ? 0 : rows[0].length;
        double[] flat = new double[m * n];
        for (int i = 0; i < m; i++) {
            if (rows[i].length != n) {
                throw new ShapeException("of: row " + i + " has " + rows[i].length + " values, row 0 has " + n);
            }
            System.arraycopy(rows[i], 0, flat, i * n, n);
        }
        return new Tensor(DType.FLOAT64, new int[] {m, n}, flat);
    }

    /** A 1-D tensor of the given dtype from double values (rounded to float for float32). */
    public static Tensor fromArray(DType dtype, double... values) {
        return fromArray(dtype, values, new int[] {values.length});
    }

    /** A tensor of the given dtype and exactly {@code shape} from double values (rounded to float for float32). */
    public static Tensor fromArray(DType dtype, double[] values, int... shape) {
        checkCount(values.length, shape);
        Tensor t = zeroed(dtype, shape);
        dtype.kernels().fromDoubles(values, t.data(), values.length);
        return t;
    }

    private static void checkCount(int count, int[] shape) {
        if (count != Shape.numel(shape)) {
            throw new ShapeException("of: " + count + " values do not fill shape " + Shape.str(shape)
                    + " (" + Shape.numel(shape) + " elements)");
        }
    }

    /** A 0-dimensional tensor. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype);
    }

    /** A 0-dimensional float64 tensor. */
    public static Tensor scalar(double value) {
        return full(value, DType.FLOAT64);
    }

    /** A tensor of {@code shape} with every element {@code value}. */
    public static Tensor full(double value, DType dtype, int... shape) {
        Tensor t = zeroed(dtype, shape);
        dtype.kernels().fill(t.data(), value, t.numel);
        return t;
    }

    /**
     * Images stored as grey-level bytes as a [starts.length, length] tensor: element [i, j] is
     * {@code (levels[starts[i] + j] & 0xff) / 255f} (what PyTorch's {@code ToTensor} makes of a byte), in
     * {@code dtype}. One pass of the dtype's {@link io.elbo.autodiff.backend.Kernels#greyLevels} kernel, into
     * the tensor's own new storage: how a data set kept as bytes yields a batch.
     */
    public static Tensor greyLevels(byte[] levels, int[] starts, int length, DType dtype) {
        if (length < 0) throw new IllegalArgumentException("greyLevels: a negative row length " + length);
        for (int s : starts) {
            if (s < 0 || s > levels.length - length) {
                throw new IndexOutOfBoundsException("greyLevels: a row of " + length + " levels at " + s + " runs past the " + levels.length + " given");
            }
        }
        Tensor t = zeroed(dtype, new int[] {starts.length, length});
        dtype.kernels().greyLevels(levels, starts, length, t.data());
        return t;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(DType dtype, int... shape) {
        return zeroed(dtype, shape);
    }

    /** A tensor of ones. */
    public static Tensor ones(DType dtype, int... shape) {
        return full(1.0, dtype, shape);
    }

    /** start, start + step, ... while below {@code end} (or above, for a negative step). */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        if (step == 0 || !Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(step)) {
            throw new ShapeException("arange: need finite start, end and a non-zero step, got "
                    + start + ", " + end + ", " + step);
        }
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        Tensor t = zeroed(dtype, new int[] {n});
        for (int i = 0; i < n; i++) dtype.kernels().set(t.data(), i, start + i * step);
        return t;
    }

    /** 0, 1, ..., n − 1. */
    public static Tensor arange(int n, DType dtype) {
        return arange(0, n, 1, dtype);
    }

    /** Independent standard normal values from a seeded Commons RNG source (ziggurat sampler). */
    public static Tensor randn(UniformRandomProvider rng, DType dtype, int... shape) {
        Tensor t = zeroed(dtype, shape);
        ZigguratSampler.NormalizedGaussian gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        Kernels<Object> k = dtype.kernels();
        for (int i = 0; i < t.numel; i++) k.set(t.data(), i, gauss.sample());
        return t;
    }

    /** Independent values uniform in [lo, hi) from a seeded Commons RNG source. */
    public static Tensor uniform(UniformRandomProvider rng, double lo, double hi, DType dtype, int... shape) {
        Tensor t = zeroed(dtype, shape);
        Kernels<Object> k = dtype.kernels();
        for (int i = 0; i < t.numel; i++) k.set(t.data(), i, lo + (hi - lo) * rng.nextDouble());
        return t;
    }

    // ---------------------------------------------------------------- accessors

    /** The element type, float32 or float64. */
    public DType dtype() { return dtype; }

    /** A copy of the shape: one size per axis, [] for a 0-dimensional tensor. */
    public int[] shape() { return shape.clone(); }

    /** The size of one axis (negative axes count from the end). */
    public int dim(int axis) { return shape[Shape.axis("dim", axis, shape.length)]; }

    /** The number of axes. */
    public int rank() { return shape.length; }

    /** The number of elements, the product of the shape. */
    public int numel() { return numel; }

    /** The name of the op that produced this tensor, or "leaf". */
    public String op() { return op; }

    /** The name given by {@link #name(String)}, or null. */
    public String name() { return name; }

    /**
     * Names this tensor for {@link Dot}, {@link Tape#trace traces} and error messages, and returns it:
     * {@code Tensor x = Tensor.scalar(2).variable().name("x")}. Any tensor may be named, intermediates too.
     */
    public Tensor name(String name) {
        this.name = name;
        return this;
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (requiresGrad) Tape.checkRawRead(this, "item()");
        if (numel != 1) throw new ShapeException("item: tensor of shape " + Shape.str(shape) + " has " + numel + " elements, not 1");
        return dtype.kernels().get(data(), 0);
    }

    /** The element at a multi-index. */
    public double get(int... index) {
        if (requiresGrad) Tape.checkRawRead(this, "get(...)");
        if (index.length != shape.length) {
            throw new ShapeException("get: index of rank " + index.length + " for shape " + Shape.str(shape));
        }
        int flat = 0;
        int[] st = Shape.strides(shape);
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new ShapeException("get: index " + Arrays.toString(index) + " out of bounds for shape " + Shape.str(shape));
            }
            flat += index[i] * st[i];
        }
        return dtype.kernels().get(data(), flat);
    }

    /** True when no element is NaN or infinite. */
    public boolean allFinite() {
        if (data() instanceof float[] f) {
            for (float v : f) if (!Float.isFinite(v)) return false;
        } else {
            for (double v : (double[]) data()) if (!Double.isFinite(v)) return false;
        }
        return true;
    }

    /** A copy of the values as doubles, row-major. */
    public double[] toDoubleArray() {
        if (requiresGrad) Tape.checkRawRead(this, "toDoubleArray()");
        return values();
    }

    /** The values as doubles, for the library's own use (printing, casting): never refused. */
    double[] values() {
        double[] out = new double[numel];
        dtype.kernels().toDoubles(data(), out, numel);
        return out;
    }

    /** A copy of the values as floats, row-major. */
    public float[] toFloatArray() {
        if (requiresGrad) Tape.checkRawRead(this, "toFloatArray()");
        float[] out = new float[numel];
        Kernels<Object> k = dtype.kernels();
        for (int i = 0; i < numel; i++) out[i] = (float) k.get(data(), i);
        return out;
    }

    // ---------------------------------------------------------------- gradients

    /** True when ops on this tensor are recorded: a marked leaf, or a result computed from one. */
    public boolean requiresGrad() { return requiresGrad; }

    /** Marks this leaf as a variable: ops on it are recorded and {@link #backward()} fills its grad. */
    public Tensor requiresGrad(boolean value) {
        if (!isLeaf()) {
            throw new IllegalStateException("requiresGrad: only leaves can be marked; this tensor was produced by '"
                    + op + "' (use detach() for a new leaf)");
        }
        requiresGrad = value;
        untracked = false;
        return this;
    }

    /** Shortcut for {@code requiresGrad(true)}. */
    public Tensor variable() { return requiresGrad(true); }

    /** True for a tensor made from data (or detached), false for a result recorded on the tape. */
    public boolean isLeaf() { return tapeIndex < 0; }

    /**
     * The gradient accumulated by {@link #backward()} passes: for a leaf always, for an intermediate
     * after a pass that {@linkplain Tape.Options#retainGraph() retained the graph}. Null before any.
     */
    public Tensor grad() { return grad; }

    /** Forgets the accumulated gradient (the next backward pass starts from zero). */
    public void zeroGrad() { grad = null; }

    /**
     * Sets this leaf's gradient to a copy of {@code g} (same shape and dtype), for an optimiser fed a
     * gradient computed elsewhere: data-parallel training sums its workers' gradients, then steps.
     */
    public void setGrad(Tensor g) {
        if (!isLeaf()) throw new IllegalStateException("setGrad: only a leaf has a gradient of its own; this tensor was made by '" + op + "'");
        if (g.dtype != dtype || !Arrays.equals(g.shape, shape)) {
            throw new ShapeException("setGrad: gradient " + Shape.str(g.shape) + " " + g.dtype + " for a tensor " + Shape.str(shape) + " " + dtype);
        }
        grad = g.copyOf();
    }

    /** A new leaf with a copy of the data, not requiring gradients. */
    public Tensor copy() {
        if (requiresGrad) Tape.checkRawRead(this, "copy()");
        return copyOf();
    }

    /** {@link #copy()} for the library's own use (a gradient kept, a result made its own): never refused. */
    Tensor copyOf() {
        Tensor t = zeroed(dtype, shape);
        System.arraycopy(data(), 0, t.data(), 0, numel);
        return t;
    }

    /** The same values as a new leaf that does not require gradients; shares the data. */
    public Tensor detach() {
        return view(shape);
    }

    /** Back-propagates from this scalar: seeds d(this)/d(this) = 1 and fills the leaves' grads. */
    public void backward() {
        Tape.backward(this);
    }

    /** Back-propagates with an explicit seed gradient (needed when this tensor is not a scalar). */
    public void backward(Tensor seed) {
        Tape.backward(this, Tape.options().seed(seed));
    }

    /** Back-propagates with named options: {@code z.backward(Tape.options().retainGraph())}. */
    public void backward(Tape.Options options) {
        Tape.backward(this, options);
    }

    // ---------------------------------------------------------------- op shortcuts (see Ops)
    // Each is Ops' op of the same name with this tensor first; its comment gives the formula, the derivative
    // and a link to the rule in Ops, where the derivative is written right under the forward.
    // A double argument is a constant of this tensor's dtype. Scalar-on-the-left forms: rsub, rdiv
    // (2 − t is t.rsub(2)); for + and · the order does not matter (t.add(1), t.mul(2)).

    /**
     * this + b (broadcasting).
     * Derivative: ∂/∂this = 1, ∂/∂b = 1, each summed back to its shape; rule: {@link Ops#add(Tensor, Tensor)}.
     */
    public Tensor add(Tensor b) { return Ops.add(this, b); }
    /** this + b. Derivative: ∂/∂this = 1; rule: {@link Ops#add(Tensor, Tensor)}. */
    public Tensor add(double b) { return Ops.add(this, b); }
    /** this − b (broadcasting). Derivative: ∂/∂this = 1, ∂/∂b = −1; rule: {@link Ops#sub(Tensor, Tensor)}. */
    public Tensor sub(Tensor b) { return Ops.sub(this, b); }
    /** this − b. Derivative: ∂/∂this = 1; rule: {@link Ops#sub(Tensor, Tensor)}. */
    public Tensor sub(double b) { return Ops.sub(this, b); }
    /** a − this: the scalar on the left. Derivative: ∂/∂this = −1; rule: {@link Ops#sub(Tensor, Tensor)}. */
    public Tensor rsub(double a) { return Ops.sub(a, this); }
    /**
     * this · b, elementwise (broadcasting).
     * Derivative: ∂/∂this = b, ∂/∂b = this; rule: {@link Ops#mul(Tensor, Tensor)}.
     */
    public Tensor mul(Tensor b) { return Ops.mul(this, b); }
    /** this · b. Derivative: ∂/∂this = b; rule: {@link Ops#mul(Tensor, Tensor)}. */
    public Tensor mul(double b) { return Ops.mul(this, b); }
    /**
     * this / b, elementwise (broadcasting).
     * Derivative: ∂/∂this = 1/b, ∂/∂b = −this/b²; rule: {@link Ops#div(Tensor, Tensor)}.
     */
    public Tensor div(Tensor b) { return Ops.div(this, b); }
    /** this / b. Derivative: ∂/∂this = 1/b; rule: {@link Ops#div(Tensor, Tensor)}. */
    public Tensor div(double b) { return Ops.div(this, b); }
    /** a / this: the scalar on the left. Derivative: ∂/∂this = −a/this²; rule: {@link Ops#div(Tensor, Tensor)}. */
    public Tensor rdiv(double a) { return Ops.div(a, this); }
    /** −this. Derivative: ∂/∂this = −1; rule: {@link Ops#neg(Tensor)}. */
    public Tensor neg() { return Ops.neg(this); }
    /** thisᵖ, elementwise, for a constant p. Derivative: ∂/∂this = p·thisᵖ⁻¹; rule: {@link Ops#pow(Tensor, double)}. */
    public Tensor pow(double p) { return Ops.pow(this, p); }
    /**
     * thisᵖ, elementwise (broadcasting).
     * Derivative: ∂/∂this = p·thisᵖ⁻¹, ∂/∂p = thisᵖ·ln this; rule: {@link Ops#pow(Tensor, Tensor)}.
     */
    public Tensor pow(Tensor p) { return Ops.pow(this, p); }
    /** eˣ. Derivative: d/dx = eˣ; rule: {@link Ops#exp(Tensor)}. */
    public Tensor exp() { return Ops.exp(this); }
    /** ln x. Derivative: d/dx = 1/x; rule: {@link Ops#log(Tensor)}. */
    public Tensor log() { return Ops.log(this); }
    /** ln(1 + x). Derivative: d/dx = 1/(1 + x); rule: {@link Ops#log1p(Tensor)}. */
    public Tensor log1p() { return Ops.log1p(this); }
    /** √x. Derivative: d/dx = 1/(2√x); rule: {@link Ops#sqrt(Tensor)}. */
    public Tensor sqrt() { return Ops.sqrt(this); }
    /** |x|. Derivative: d/dx = sign(x), 0 at 0; rule: {@link Ops#abs(Tensor)}. */
    public Tensor abs() { return Ops.abs(this); }
    /** x², as x·x. Derivative: d/dx = 2x, by mul's rule; rule: {@link Ops#mul(Tensor, Tensor)}. */
    public Tensor square() { return Ops.square(this); }
    /** max(x, 0). Derivative: d/dx = [x > 0], so 0 at 0; rule: {@link Ops#relu(Tensor)}. */
    public Tensor relu() { return Ops.relu(this); }
    /** Σ(x) = 1/(1 + e⁻ˣ). Derivative: d/dx = σ(x)(1 − σ(x)); rule: {@link Ops#sigmoid(Tensor)}. */
    public Tensor sigmoid() { return Ops.sigmoid(this); }
    /** Tanh x. Derivative: d/dx = 1 − tanh²x; rule: {@link Ops#tanh(Tensor)}. */
    public Tensor tanh() { return Ops.tanh(this); }
    /** Sin x. Derivative: d/dx = cos x; rule: {@link Ops#sin(Tensor)}. */
    public Tensor sin() { return Ops.sin(this); }
    /** Cos x. Derivative: d/dx = −sin x; rule: {@link Ops#cos(Tensor)}. */
    public Tensor cos() { return Ops.cos(this); }
    /** ln(1 + eˣ), never overflowing. Derivative: d/dx = σ(x); rule: {@link Ops#softplus(Tensor)}. */
    public Tensor softplus() { return Ops.softplus(this); }
    /**
     * ln σ(x) = −softplus(−x).
     * Derivative: d/dx = 1 − σ(x) = σ(−x), by the rules of neg and softplus; rule: {@link Ops#softplus(Tensor)}.
     */
    public Tensor logSigmoid() { return Ops.logSigmoid(this); }
    /** min(max(x, lo), hi). Derivative: d/dx = [lo ≤ x ≤ hi]; rule: {@link Ops#clamp(Tensor, double, double)}. */
    public Tensor clamp(double lo, double hi) { return Ops.clamp(this, lo, hi); }

    /** [this &gt; b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#gt(Tensor, Tensor)}. */
    public Tensor gt(Tensor b) { return Ops.gt(this, b); }
    /** [this &gt; b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#gt(Tensor, Tensor)}. */
    public Tensor gt(double b) { return Ops.gt(this, Ops.scalarLike(b, this)); }
    /** [this ≥ b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#ge(Tensor, Tensor)}. */
    public Tensor ge(Tensor b) { return Ops.ge(this, b); }
    /** [this ≥ b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#ge(Tensor, Tensor)}. */
    public Tensor ge(double b) { return Ops.ge(this, Ops.scalarLike(b, this)); }
    /** [this &lt; b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#lt(Tensor, Tensor)}. */
    public Tensor lt(Tensor b) { return Ops.lt(this, b); }
    /** [this &lt; b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#lt(Tensor, Tensor)}. */
    public Tensor lt(double b) { return Ops.lt(this, Ops.scalarLike(b, this)); }
    /** [this ≤ b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#le(Tensor, Tensor)}. */
    public Tensor le(Tensor b) { return Ops.le(this, b); }
    /** [this ≤ b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#le(Tensor, Tensor)}. */
    public Tensor le(double b) { return Ops.le(this, Ops.scalarLike(b, this)); }
    /** [this = b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#eq(Tensor, Tensor)}. */
    public Tensor eq(Tensor b) { return Ops.eq(this, b); }
    /** [this = b] as 1/0 values: a constant, so no gradient flows through it; see {@link Ops#eq(Tensor, Tensor)}. */
    public Tensor eq(double b) { return Ops.eq(this, Ops.scalarLike(b, this)); }
    /**
     * this where {@code condition} ≠ 0, else {@code other} (PyTorch's {@code x.where(cond, y)}).
     * Derivative: ∂/∂this = [condition], ∂/∂other = [¬condition]; rule: {@link Ops#where(Tensor, Tensor, Tensor)}.
     */
    public Tensor where(Tensor condition, Tensor other) { return Ops.where(condition, this, other); }
    /**
     * this where {@code condition} ≠ 0, else the constant {@code other}.
     * Derivative: ∂/∂this = [condition]; rule: {@link Ops#where(Tensor, Tensor, Tensor)}.
     */
    public Tensor where(Tensor condition, double other) { return Ops.where(condition, this, Ops.scalarLike(other, this)); }

    /**
     * Σ of all elements, a 0-dimensional tensor.
     * Derivative: ∂/∂xᵢ = 1: the gradient is expanded back; rule: {@link Ops#sum(Tensor, boolean, int...)}.
     */
    public Tensor sum() { return Ops.sum(this); }
    /**
     * Σ over the given axes, which are removed.
     * Derivative: ∂/∂xᵢ = 1: the gradient is expanded back; rule: {@link Ops#sum(Tensor, boolean, int...)}.
     */
    public Tensor sum(int... axes) { return Ops.sum(this, axes); }
    /**
     * Σ over the given axes (all when none), kept as size 1 when {@code keepDims}.
     * Derivative: ∂/∂xᵢ = 1: the gradient is expanded back; rule: {@link Ops#sum(Tensor, boolean, int...)}.
     */
    public Tensor sum(boolean keepDims, int... axes) { return Ops.sum(this, keepDims, axes); }
    /**
     * The mean of all elements.
     * Derivative: ∂/∂xᵢ = 1/n, by the rules of sum and mul; rule: {@link Ops#mean(Tensor, boolean, int...)}.
     */
    public Tensor mean() { return Ops.mean(this); }
    /**
     * The mean over the given axes, which are removed.
     * Derivative: ∂/∂xᵢ = 1/n, by the rules of sum and mul; rule: {@link Ops#mean(Tensor, boolean, int...)}.
     */
    public Tensor mean(int... axes) { return Ops.mean(this, axes); }
    /**
     * The mean over the given axes (all when none), kept as size 1 when {@code keepDims}.
     * Derivative: ∂/∂xᵢ = 1/n, by the rules of sum and mul; rule: {@link Ops#mean(Tensor, boolean, int...)}.
     */
    public Tensor mean(boolean keepDims, int... axes) { return Ops.mean(this, keepDims, axes); }
    /**
     * The largest element.
     * Derivative: ∂/∂xᵢ = [xᵢ = max] / (number of ties); rule: {@link Ops#max(Tensor, boolean, int...)}.
     */
    public Tensor max() { return Ops.max(this); }
    /**
     * The maximum over the given axes, which are removed.
     * Derivative: ∂/∂xᵢ = [xᵢ = max] / (number of ties); rule: {@link Ops#max(Tensor, boolean, int...)}.
     */
    public Tensor max(int... axes) { return Ops.max(this, axes); }
    /**
     * The maximum over the given axes (all when none), kept as size 1 when {@code keepDims}.
     * Derivative: ∂/∂xᵢ = [xᵢ = max] / (number of ties); rule: {@link Ops#max(Tensor, boolean, int...)}.
     */
    public Tensor max(boolean keepDims, int... axes) { return Ops.max(this, keepDims, axes); }
    /**
     * log Σ exp of all elements.
     * Derivative: ∂/∂xᵢ = softmax(x)ᵢ, by the rules of its composition; rule: {@link Ops#logSumExp(Tensor, boolean, int...)}.
     */
    public Tensor logSumExp() { return Ops.logSumExp(this); }
    /**
     * log Σ exp over the given axes, which are removed.
     * Derivative: ∂/∂xᵢ = softmax(x)ᵢ along the axes; rule: {@link Ops#logSumExp(Tensor, boolean, int...)}.
     */
    public Tensor logSumExp(int... axes) { return Ops.logSumExp(this, axes); }
    /**
     * log Σ exp over the given axes (all when none), kept as size 1 when {@code keepDims}.
     * Derivative: ∂/∂xᵢ = softmax(x)ᵢ along the axes; rule: {@link Ops#logSumExp(Tensor, boolean, int...)}.
     */
    public Tensor logSumExp(boolean keepDims, int... axes) { return Ops.logSumExp(this, keepDims, axes); }

    /**
     * The matrix product over the last two axes (batch axes broadcast; a 1-D operand is a vector, as in NumPy).
     * Derivative: ∂L/∂this = g·bᵀ, ∂L/∂b = thisᵀ·g; rule: {@link Ops#matmul(Tensor, Tensor, boolean, boolean)}.
     */
    public Tensor matmul(Tensor b) { return Ops.matmul(this, b); }
    /**
     * The 2-D convolution of this [N, C, H, W] by w [O, C, kh, kw], plus b [O] (or null), with a square stride and
     * zero padding (PyTorch's {@code F.conv2d}). Derivative: ∂L/∂this = convTranspose2d(g, w),
     * ∂L/∂w = conv2dWeight(this, g), ∂L/∂b = Σ g over n, y, x; rule: {@link Ops#conv2d}.
     */
    public Tensor conv2d(Tensor w, Tensor b, int stride, int padding) { return Ops.conv2d(this, w, b, stride, padding); }
    /**
     * The transposed convolution of this [N, C, H, W] by w [C, O, kh, kw], plus b [O] (or null) (PyTorch's
     * {@code F.conv_transpose2d}), the adjoint of {@link #conv2d} in its input. Derivative: ∂L/∂this = conv2d(g, w),
     * ∂L/∂w = conv2dWeight(g, this), ∂L/∂b = Σ g over n, h, v; rule: {@link Ops#convTranspose2d}.
     */
    public Tensor convTranspose2d(Tensor w, Tensor b, int stride, int padding, int outputPadding) {
        return Ops.convTranspose2d(this, w, b, stride, padding, outputPadding);
    }
    /**
     * The transpose: axes reversed (for a matrix, rows and columns swapped), as NumPy's {@code .T}.
     * Derivative: the gradient transposed back; rule: {@link Ops#permute(Tensor, int...)}.
     */
    public Tensor T() { return Ops.T(this); }
    /** Two axes swapped. Derivative: the gradient swapped back; rule: {@link Ops#permute(Tensor, int...)}. */
    public Tensor transpose(int axis0, int axis1) { return Ops.transpose(this, axis0, axis1); }
    /**
     * Axes reordered: out.shape[i] = shape[perm[i]].
     * Derivative: the gradient permuted by perm⁻¹; rule: {@link Ops#permute(Tensor, int...)}.
     */
    public Tensor permute(int... perm) { return Ops.permute(this, perm); }
    /**
     * The same elements in a new shape (one size may be −1).
     * Derivative: the gradient reshaped back; rule: {@link Ops#reshape(Tensor, int...)}.
     */
    public Tensor reshape(int... newShape) { return Ops.reshape(this, newShape); }
    /**
     * Broadcast to a larger shape.
     * Derivative: the gradient summed back to this shape; rule: {@link Ops#expand(Tensor, int...)}.
     */
    public Tensor expand(int... newShape) { return Ops.expand(this, newShape); }
    /**
     * The elements start ≤ i &lt; end along an axis.
     * Derivative: the gradient padded back with zeros; rule: {@link Ops#slice(Tensor, int, int, int)}.
     */
    public Tensor slice(int axis, int start, int end) { return Ops.slice(this, axis, start, end); }
    /**
     * Converted to another dtype.
     * Derivative: d/dx = 1: the gradient converted back; rule: {@link Ops#cast(Tensor, DType)}.
     */
    public Tensor to(DType target) { return Ops.cast(this, target); }
    /**
     * Softmax along an axis: exp(x)/Σ exp(x).
     * Derivative: ∂outᵢ/∂xⱼ = outᵢ(δᵢⱼ − outⱼ); rule: {@link Ops#softmax(Tensor, int)}.
     */
    public Tensor softmax(int axis) { return Ops.softmax(this, axis); }
    /**
     * log softmax along an axis: x − log Σ exp(x).
     * Derivative: ∂outᵢ/∂xⱼ = δᵢⱼ − softmax(x)ⱼ; rule: {@link Ops#logSoftmax(Tensor, int)}.
     */
    public Tensor logSoftmax(int axis) { return Ops.logSoftmax(this, axis); }
    /**
     * PyTorch's gather: out[i, j] = this[i, index[i, j]] along axis 1, likewise for any axis.
     * Derivative: the gradient added back at the gathered positions (summed where an index repeats); rule: {@link Ops#take(Tensor, int[], int...)}.
     */
    public Tensor gather(int axis, Tensor index) { return Ops.gather(this, axis, index); }
    /**
     * The entries {@code indices} along an axis, in that order (PyTorch's index_select).
     * Derivative: the gradient added back into the rows it came from; rule: {@link Ops#take(Tensor, int[], int...)}.
     */
    public Tensor indexSelect(int axis, int... indices) { return Ops.indexSelect(this, axis, indices); }

    // ---------------------------------------------------------------- printing

    /** Values shown in full up to this many elements; beyond it, the first and last 3 of each axis. */
    static final int SUMMARY_THRESHOLD = 1000;
    private static final int EDGE = 3;

    /**
     * {@code tensor([[1., 2.], [3., 4.]], shape=[2, 2], dtype=float32)}, with "..." in place of the
     * middle of each axis when the tensor has more than 1000 elements, and the op that made it
     * (and "requires grad") when it is on the tape.
     */
    @Override
    public String toString() {
        double[] v = values();
        boolean summarise = numel > SUMMARY_THRESHOLD;
        boolean integral = true;
        double maxAbs = 0, minAbs = Double.POSITIVE_INFINITY;
        for (double x : v) {
            if (Double.isFinite(x)) {
                integral &= x == Math.rint(x);
                maxAbs = Math.max(maxAbs, Math.abs(x));
                if (x != 0) minAbs = Math.min(minAbs, Math.abs(x));
            }
        }
        integral &= maxAbs < 1e15;
        // PyTorch's rule: scientific notation when magnitudes are extreme or span over 3 decades.
        boolean sci = !integral && maxAbs > 0 && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1000);
        StringBuilder sb = new StringBuilder("tensor(");
        appendAxis(sb, v, 0, 0, Shape.strides(shape), summarise, integral, sci);
        sb.append(", shape=").append(Shape.str(shape)).append(", dtype=").append(dtype);
        if (requiresGrad) sb.append(isLeaf() ? ", requiresGrad" : ", op=" + op);
        return sb.append(')').toString();
    }

    private void appendAxis(StringBuilder sb, double[] v, int axis, int offset, int[] strides,
                            boolean summarise, boolean integral, boolean sci) {
        if (axis == shape.length) {
            sb.append(format(v[offset], integral, sci));
            return;
        }
        sb.append('[');
        int n = shape[axis];
        for (int i = 0; i < n; i++) {
            if (summarise && n > 2 * EDGE && i == EDGE) {
                sb.append("...");
                i = n - EDGE - 1;
                sb.append(axis == shape.length - 1 ? ", " : ",\n" + " ".repeat(8 + axis));
                continue;
            }
            appendAxis(sb, v, axis + 1, offset + i * strides[axis], strides, summarise, integral, sci);
            if (i < n - 1) sb.append(axis == shape.length - 1 ? ", " : ",\n" + " ".repeat(8 + axis));
        }
        sb.append(']');
    }

    private static String format(double x, boolean integral, boolean sci) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        if (integral) return (long) x + ".";
        return sci ? String.format("%.4e", x) : String.format("%.4f", x);
    }
}

package io.elbo.autodiff.backend;

import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.NEG;
import static jdk.incubator.vector.VectorOperators.SQRT;

import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 kernels written with the JDK Vector API, each formula written once, as a loop over whole
 * vectors.
 *
 * <p><b>The tail policy, for the whole file.</b> An elementwise kernel (out[i] = f(inputs[i]), and the
 * row-wise bias kernels) runs its body over the whole vectors, split among threads, and computes the
 * last n mod L elements by the same body on zero-padded copies ({@link #elementwise}, {@link #byRows});
 * so any size works and an element's bits never depend on where it sits. Reductions (sums, maxima,
 * sums of squares) and the accumulations that build them ({@code dst += src}, {@code dst = max(dst, src)})
 * instead finish their last elements one at a time, in order, after the vector part: a zero-padded
 * lane would change the order of their additions, and so every sum's bits. A sum keeps 16 partial sums
 * whatever the lane count ({@link VectorMath#V}), so its bits do not depend on the machine's vector width.
 *
 * <p>Every kernel gives the same bits whether it runs interpreted or compiled, so runs and resumed
 * runs are reproducible: transcendental functions come from {@link VectorMath} (polynomials in
 * exactly rounded operations) rather than {@code lanewise(EXP)} and friends, whose compiled and
 * interpreted results can differ in the last bit; sums of lanes use a fixed order. sin, cos and pow,
 * rare in training, use {@link StrictMath} per element.
 */
final class VectorKernels32 implements Kernels<float[]> {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final FloatVector ZERO = FloatVector.zero(S), ONE = FloatVector.broadcast(S, 1f);

    @Override public float[] allocate(int n) { return new float[n]; }

    @Override public double get(float[] a, int i) { return a[i]; }

    @Override public void set(float[] a, int i, double v) { a[i] = (float) v; }

    @Override public void toDoubles(float[] a, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = a[i]; }

    @Override public void fromDoubles(double[] values, float[] out, int n) { for (int i = 0; i < n; i++) out[i] = (float) values[i]; }

    @Override public void fill(float[] out, double value, int n) { Arrays.fill(out, 0, n, (float) value); }

    /** Bytes of L lanes (none where L bytes are narrower than the narrowest vector, 64 bits), and ints, for {@link #greyLevels}. */
    private static final VectorSpecies<Byte> BYTES = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, S.vectorShape());
    private static final FloatVector GREY_MAX = FloatVector.broadcast(S, 255f);
    /** k/255f for every level k, where there are no byte vectors. */
    private static final float[] GREY_LEVELS = new float[256];

    static {
        for (int k = 0; k < 256; k++) GREY_LEVELS[k] = k / 255f;
    }

    /**
     * L levels at a time: widened to ints, their sign bits masked off, converted to floats (exactly) and
     * divided by 255 (rounded once, as the scalar quotient); each row's last length mod L levels through a
     * zero-padded vector, by the same body. Rows split among threads. With 4 lanes (no byte vectors) the
     * same quotients from a table, on the calling thread.
     */
    @Override public void greyLevels(byte[] levels, int[] starts, int length, float[] out) {
        if (BYTES == null) {
            for (int r = 0; r < starts.length; r++) {
                for (int j = 0; j < length; j++) out[r * length + j] = GREY_LEVELS[levels[starts[r] + j] & 0xff];
            }
            return;
        }
        int whole = length - length % L;
        Threads.splitRows(starts.length, length, (r0, r1) -> {
            byte[] tail = new byte[L];
            float[] values = new float[L];
            for (int r = r0; r < r1; r++) {
                int from = starts[r], at = r * length;
                for (int j = 0; j < whole; j += L) levelsToValues(levels, from + j, out, at + j);
                if (whole < length) {
                    System.arraycopy(levels, from + whole, tail, 0, length - whole);
                    levelsToValues(tail, 0, values, 0);
                    System.arraycopy(values, 0, out, at + whole, length - whole);
                }
            }
        });
    }

    private static void levelsToValues(byte[] levels, int from, float[] out, int at) {
        IntVector k = (IntVector) ByteVector.fromArray(BYTES, levels, from).convertShape(VectorOperators.B2I, INTS, 0);
        ((FloatVector) k.and(0xff).convertShape(VectorOperators.I2F, S, 0)).div(GREY_MAX).intoArray(out, at);
    }

    /** {@link Threads#split} in whole vectors: each element's operations do not depend on the thread count. */
    static void split(int n, Threads.Range body) {
        Threads.split(n, L, 1, body);
    }

    /** {@link #split}, where each of the n indices stands for {@code weight} elements of work. */
    static void split(int n, Threads.Range body, int weight) {
        Threads.split(n, L, weight, body);
    }

    /** A loop over whole vectors, x[lo, hi) to out[lo, hi), with hi − lo a multiple of L. */
    interface VectorLoop { void run(float[] x, float[] out, int lo, int hi); }

    /**
     * Applies a whole-vector loop to n elements: the whole vectors {@linkplain #split split} across
     * threads, then the last n mod L elements through a zero-padded vector of scratch, by the same
     * loop. (A masked tail step would compile a transcendental body a second time into the same method,
     * which can exceed C2's inlining budget, see {@link VectorMath}, and leave vectors boxed.)
     */
    static void elementwise(float[] x, float[] out, int n, VectorLoop loop) {
        elementwise(x, null, null, out, n, (a, b, c, o, lo, hi) -> loop.run(a, o, lo, hi));
    }

    /** A loop over whole vectors [lo, hi) of up to three inputs (unused ones null) into out. */
    interface VectorLoop3 { void run(float[] a, float[] b, float[] c, float[] out, int lo, int hi); }

    /**
     * {@link #elementwise(float[], float[], int, VectorLoop)} for a loop of up to three inputs: the
     * whole vectors split across threads, the last n mod L elements of every input through zero-padded
     * scratch vectors, so the tail is computed by the same vector code. out may be one of the inputs.
     */
    static void elementwise(float[] a, float[] b, float[] c, float[] out, int n, VectorLoop3 loop) {
        int whole = n / L * L;
        split(whole, (lo, hi) -> loop.run(a, b, c, out, lo, hi));
        if (whole < n) {
            float[] tail = new float[L];
            loop.run(padded(a, whole, n), padded(b, whole, n), padded(c, whole, n), tail, 0, L);
            System.arraycopy(tail, 0, out, whole, n - whole);
        }
    }

    /** x[from, to) in a zero-padded vector's worth of scratch, or null for null. */
    private static float[] padded(float[] x, int from, int to) {
        if (x == null) return null;
        float[] p = new float[L];
        System.arraycopy(x, from, p, 0, to - from);
        return p;
    }

    /** A loop over whole vectors [lo, hi) of one row: c[o + lo, o + hi) with bias[lo, hi). */
    interface RowLoop { void run(float[] c, int o, float[] bias, int lo, int hi); }

    /**
     * Applies a row loop to each row of a rows × cols array c, in place, rows split among threads; the
     * last cols mod L columns of each row go through zero-padded scratch, by the same loop.
     */
    static void byRows(float[] c, float[] bias, int rows, int cols, RowLoop loop) {
        int whole = cols / L * L;
        Threads.splitRows(rows, cols, (r0, r1) -> {
            float[] biasTail = whole < cols ? padded(bias, whole, cols) : null, tail = new float[L];
            for (int r = r0; r < r1; r++) {
                loop.run(c, r * cols, bias, 0, whole);
                if (biasTail == null) continue;
                Arrays.fill(tail, 0f);
                System.arraycopy(c, r * cols + whole, tail, 0, cols - whole);
                loop.run(tail, 0, biasTail, 0, L);
                System.arraycopy(tail, 0, c, r * cols + whole, cols - whole);
            }
        });
    }

    @Override public void neg(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) FloatVector.fromArray(S, in, i).lanewise(NEG).intoArray(o, i);
        });
    }

    @Override public void exp(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) VectorMath.exp(FloatVector.fromArray(S, in, i)).intoArray(o, i);
        });
    }

    @Override public void log(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) VectorMath.log(FloatVector.fromArray(S, in, i)).intoArray(o, i);
        });
    }

    @Override public void log1p(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) VectorMath.log1p(FloatVector.fromArray(S, in, i)).intoArray(o, i);
        });
    }

    @Override public void sqrt(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) FloatVector.fromArray(S, in, i).lanewise(SQRT).intoArray(o, i);
        });
    }

    @Override public void abs(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) FloatVector.fromArray(S, in, i).lanewise(ABS).intoArray(o, i);
        });
    }

    @Override public void relu(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) relu(FloatVector.fromArray(S, in, i)).intoArray(o, i);
        });
    }

    private static FloatVector relu(FloatVector v) {
        return v.blend(0f, v.compare(VectorOperators.GT, 0f).not());
    }

    @Override public void sigmoid(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) sigmoid(FloatVector.fromArray(S, in, i)).intoArray(o, i);
        });
    }

    /** 1/(1+e^-x): e^-x overflows to +inf for x < -88, giving exactly 0, never NaN. */
    private static FloatVector sigmoid(FloatVector v) {
        return v.broadcast(1f).div(VectorMath.exp(v.neg()).add(1f));
    }

    @Override public void tanh(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) VectorMath.tanh(FloatVector.fromArray(S, in, i)).intoArray(o, i);
        });
    }

    @Override public void sin(float[] x, float[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = (float) StrictMath.sin(x[i]);
    }

    @Override public void cos(float[] x, float[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = (float) StrictMath.cos(x[i]);
    }

    @Override public void softplus(float[] x, float[] out, int n) {
        softplusMinusProduct(x, null, out, n);
    }

    /**
     * out = softplus(x) − x·t, or softplus(x) when t is null, with softplus(x) = max(x, 0) +
     * log1p(e^−|x|). Two passes, e^−|x| into out and then the rest, each a loop of its own: exp and
     * log1p in one loop exceed C2's inlining budget (see {@link VectorMath}). The last n mod L
     * elements go through zero-padded scratch vectors, by the same two loops.
     */
    private static void softplusMinusProduct(float[] x, float[] t, float[] out, int n) {
        if (out == x || out == t) { // the first pass would overwrite an input: go through a copy
            float[] u = new float[n];
            softplusMinusProduct(x, t, u, n);
            System.arraycopy(u, 0, out, 0, n);
            return;
        }
        elementwise(x, out, n, VectorKernels32::expOfMinusAbs);
        elementwise(x, t, out, out, n, VectorKernels32::softplusMinusProduct);
    }

    /** u = e^−|x| over whole vectors [lo, hi). */
    private static void expOfMinusAbs(float[] x, float[] u, int lo, int hi) {
        for (int i = lo; i < hi; i += L) VectorMath.exp(FloatVector.fromArray(S, x, i).lanewise(ABS).neg()).intoArray(u, i);
    }

    /** out = max(x, 0) + log1p(u) − x·t (without the product when t is null), over whole vectors [lo, hi). */
    private static void softplusMinusProduct(float[] x, float[] t, float[] u, float[] out, int lo, int hi) {
        for (int i = lo; i < hi; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector sp = v.max(0f).add(VectorMath.log1pUnit(FloatVector.fromArray(S, u, i)));
            if (t != null) sp = sp.sub(v.mul(FloatVector.fromArray(S, t, i)));
            sp.intoArray(out, i);
        }
    }

    @Override public void sign(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) sign(FloatVector.fromArray(S, in, i)).intoArray(o, i);
        });
    }

    /** 1 where x > 0, −1 where x &lt; 0, x itself (±0 or NaN) elsewhere, as Math.signum. */
    private static FloatVector sign(FloatVector v) {
        return v.blend(1f, v.compare(VectorOperators.GT, 0f)).blend(-1f, v.compare(VectorOperators.LT, 0f));
    }

    @Override public void floor(float[] x, float[] out, int n) {
        elementwise(x, out, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) VectorMath.floor(FloatVector.fromArray(S, in, i)).intoArray(o, i);
        });
    }


    @Override public void powScalar(float[] x, double p, float[] out, int n) {
        if (p == 2) {
            mul(x, x, out, n);
            return;
        }
        for (int i = 0; i < n; i++) out[i] = (float) StrictMath.pow(x[i], p);
    }

    @Override public void clamp(float[] x, double lo, double hi, float[] out, int n) {
        float l = (float) lo, h = (float) hi;
        elementwise(x, out, n, (in, o, from, to) -> {
            for (int i = from; i < to; i += L) FloatVector.fromArray(S, in, i).max(l).min(h).intoArray(o, i);
        });
    }

    @Override public void add(float[] a, float[] c, float[] out, int n) {
        elementwise(a, c, null, out, n, (x, y, unused, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) FloatVector.fromArray(S, x, i).add(FloatVector.fromArray(S, y, i)).intoArray(o, i);
        });
    }

    @Override public void sub(float[] a, float[] c, float[] out, int n) {
        elementwise(a, c, null, out, n, (x, y, unused, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) FloatVector.fromArray(S, x, i).sub(FloatVector.fromArray(S, y, i)).intoArray(o, i);
        });
    }

    @Override public void mul(float[] a, float[] c, float[] out, int n) {
        elementwise(a, c, null, out, n, (x, y, unused, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) FloatVector.fromArray(S, x, i).mul(FloatVector.fromArray(S, y, i)).intoArray(o, i);
        });
    }

    @Override public void div(float[] a, float[] c, float[] out, int n) {
        elementwise(a, c, null, out, n, (x, y, unused, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) FloatVector.fromArray(S, x, i).div(FloatVector.fromArray(S, y, i)).intoArray(o, i);
        });
    }

    @Override public void pow(float[] a, float[] c, float[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = (float) StrictMath.pow(a[i], c[i]);
    }

    /**
     * One loop per comparison, each with its operator a constant: C2 compiles a vector compare only for
     * an operator it can see (a captured one left ReLU's and clamp's masks to the Vector API's Java
     * fallback, about 60 µs of a W1 step).
     */
    @Override public void compare(Comparison op, float[] a, float[] c, float[] out, int n) {
        switch (op) {
            case GT -> elementwise(a, c, null, out, n, (x, y, unused, o, lo, hi) -> {
                for (int i = lo; i < hi; i += L) ZERO.blend(ONE, FloatVector.fromArray(S, x, i).compare(VectorOperators.GT, FloatVector.fromArray(S, y, i))).intoArray(o, i);
            });
            case GE -> elementwise(a, c, null, out, n, (x, y, unused, o, lo, hi) -> {
                for (int i = lo; i < hi; i += L) ZERO.blend(ONE, FloatVector.fromArray(S, x, i).compare(VectorOperators.GE, FloatVector.fromArray(S, y, i))).intoArray(o, i);
            });
            case LT -> elementwise(a, c, null, out, n, (x, y, unused, o, lo, hi) -> {
                for (int i = lo; i < hi; i += L) ZERO.blend(ONE, FloatVector.fromArray(S, x, i).compare(VectorOperators.LT, FloatVector.fromArray(S, y, i))).intoArray(o, i);
            });
            case LE -> elementwise(a, c, null, out, n, (x, y, unused, o, lo, hi) -> {
                for (int i = lo; i < hi; i += L) ZERO.blend(ONE, FloatVector.fromArray(S, x, i).compare(VectorOperators.LE, FloatVector.fromArray(S, y, i))).intoArray(o, i);
            });
            case EQ -> elementwise(a, c, null, out, n, (x, y, unused, o, lo, hi) -> {
                for (int i = lo; i < hi; i += L) ZERO.blend(ONE, FloatVector.fromArray(S, x, i).compare(VectorOperators.EQ, FloatVector.fromArray(S, y, i))).intoArray(o, i);
            });
        }
    }

    @Override public void where(float[] mask, float[] a, float[] c, float[] out, int n) {
        elementwise(mask, a, c, out, n, (mk, x, y, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) {
                var t = FloatVector.fromArray(S, mk, i).compare(VectorOperators.NE, 0f);
                FloatVector.fromArray(S, y, i).blend(FloatVector.fromArray(S, x, i), t).intoArray(o, i);
            }
        });
    }

    @Override public void copy(float[] src, int srcOff, int[] srcStrides, int[] shape, float[] dst, int dstOff, int[] dstStrides) {
        Strided.forEachRun(shape, srcOff, srcStrides, dstOff, dstStrides, (s, d, len, ss, ds) -> {
            if (ss == 1 && ds == 1) {
                System.arraycopy(src, s, dst, d, len);
            } else if (ss == 0 && ds == 1) {
                Arrays.fill(dst, d, d + len, src[s]);
            } else {
                for (int i = 0; i < len; i++) dst[d + i * ds] = src[s + i * ss];
            }
        });
    }

    @Override public void sumInto(float[] src, int[] shape, float[] dst, int[] dstStrides) {
        if (shape.length == 2 && dstStrides[0] == 0 && dstStrides[1] == 1) { // dst[j] += Σ_r src[r, j]: a bias gradient
            int rows = shape[0], cols = shape[1];
            // Split by columns in whole vectors; each column still adds its rows in order, so the bits
            // do not depend on the split.
            split(cols, (lo, hi) -> {
                for (int r = 0; r < rows; r++) add(src, r * cols + lo, dst, lo, hi - lo);
            }, rows);
            return;
        }
        int n = 1;
        boolean toOne = true;
        for (int ax = 0; ax < shape.length; ax++) {
            n *= shape[ax];
            toOne &= dstStrides[ax] == 0;
        }
        if (toOne && n > SUM_CHUNK) { // dst[0] += Σ src: partial sums over fixed chunks, then added in order
            int chunks = (n + SUM_CHUNK - 1) / SUM_CHUNK;
            float[] partial = new float[chunks];
            int total = n;
            Threads.splitRows(chunks, SUM_CHUNK, (c0, c1) -> {
                for (int c = c0; c < c1; c++) partial[c] = sum(src, c * SUM_CHUNK, Math.min(SUM_CHUNK, total - c * SUM_CHUNK));
            });
            float s = 0f;
            for (float p : partial) s += p;
            dst[0] += s;
            return;
        }
        if (shape.length == 2 && dstStrides[1] == 0) { // dst[r] += Σ_j src[r, j]: a sum per row, split by rows
            int rows = shape[0], cols = shape[1], ds = dstStrides[0];
            Threads.splitRows(rows, cols, (r0, r1) -> {
                for (int r = r0; r < r1; r++) dst[r * ds] += sum(src, r * cols, cols);
            });
            return;
        }
        Strided.forEachRun(shape, dstStrides, (s, d, len, ss, ds) -> {
            if (ds == 0) {
                dst[d] += sum(src, s, len);
            } else if (ds == 1) {
                add(src, s, dst, d, len);
            } else {
                for (int i = 0; i < len; i++) dst[d + i * ds] += src[s + i];
            }
        });
    }

    /**
     * A sum of everything longer than this is taken in chunks of this many elements (fixed, not
     * per thread, so the result does not depend on the thread count), the chunks split among threads.
     */
    static final int SUM_CHUNK = 1 << 14;

    /**
     * Sum of x[off, off+len): 16 partial sums, element i in partial i mod 16 ({@link VectorMath#V}, whatever
     * the lane count), combined by {@link VectorMath#tree16}, then the last len mod 16 elements in order.
     */
    static float sum(float[] x, int off, int len) {
        int whole = len - len % VectorMath.V, i = 0;
        float s;
        if (L == 16 || L == 8 || L == 4) {
            FloatVector z = FloatVector.zero(S), a0 = z, a1 = z, a2 = z, a3 = z;
            for (; i < whole; i += VectorMath.V) {
                a0 = a0.add(FloatVector.fromArray(S, x, off + i));
                if (L < 16) a1 = a1.add(FloatVector.fromArray(S, x, off + i + L));
                if (L < 8) {
                    a2 = a2.add(FloatVector.fromArray(S, x, off + i + 2 * L));
                    a3 = a3.add(FloatVector.fromArray(S, x, off + i + 3 * L));
                }
            }
            s = VectorMath.tree16(a0, a1, a2, a3);
        } else { // another lane count: the same partial sums, one element at a time
            float[] p = new float[VectorMath.V];
            for (; i < whole; i++) p[i % VectorMath.V] += x[off + i];
            s = VectorMath.tree16(p, 0);
        }
        for (i = whole; i < len; i++) s += x[off + i];
        return s;
    }

    /** dst[d..d+len) += src[s..s+len): an accumulation (the tail one element at a time, in order). */
    private static void add(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        for (int b = S.loopBound(len); i < b; i += L) {
            FloatVector.fromArray(S, dst, d + i).add(FloatVector.fromArray(S, src, s + i)).intoArray(dst, d + i);
        }
        for (; i < len; i++) dst[d + i] += src[s + i];
    }

    @Override public void maxInto(float[] src, int[] shape, float[] dst, int[] dstStrides) {
        Strided.forEachRun(shape, dstStrides, (s, d, len, ss, ds) -> {
            if (ds == 0) {
                dst[d] = Math.max(dst[d], max(src, s, len));
            } else if (ds == 1) {
                int i = 0;
                for (int b = S.loopBound(len); i < b; i += L) {
                    FloatVector.fromArray(S, dst, d + i).max(FloatVector.fromArray(S, src, s + i)).intoArray(dst, d + i);
                }
                for (; i < len; i++) dst[d + i] = Math.max(dst[d + i], src[s + i]);
            } else {
                for (int i = 0; i < len; i++) dst[d + i * ds] = Math.max(dst[d + i * ds], src[s + i]);
            }
        });
    }

    /** max of x[off, off+len) (NaN if any is NaN, as Math.max). */
    static float max(float[] x, int off, int len) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int b = S.loopBound(len); i < b; i += L) acc = acc.max(FloatVector.fromArray(S, x, off + i));
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    // ---- fused ----

    @Override public void addBias(float[] c, float[] bias, int rows, int cols) {
        byRows(c, bias, rows, cols, (cc, o, bb, lo, hi) -> {
            for (int j = lo; j < hi; j += L) {
                FloatVector.fromArray(S, cc, o + j).add(FloatVector.fromArray(S, bb, j)).intoArray(cc, o + j);
            }
        });
    }

    @Override public void addBiasRelu(float[] c, float[] bias, int rows, int cols) {
        byRows(c, bias, rows, cols, (cc, o, bb, lo, hi) -> {
            for (int j = lo; j < hi; j += L) {
                relu(FloatVector.fromArray(S, cc, o + j).add(FloatVector.fromArray(S, bb, j))).intoArray(cc, o + j);
            }
        });
    }

    /** out = g where x &gt; 0, else 0 (so 0 where x is NaN, as relu's mask). */
    @Override public void reluBackward(float[] g, float[] x, float[] out, int n) {
        elementwise(g, x, null, out, n, (gg, xx, unused, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) {
                FloatVector.fromArray(S, gg, i).blend(0f, FloatVector.fromArray(S, xx, i).compare(VectorOperators.GT, 0f).not()).intoArray(o, i);
            }
        });
    }

    @Override public void bceWithLogits(float[] logits, float[] targets, float[] out, int n) {
        softplusMinusProduct(logits, targets, out, n);
    }

    @Override public void bceWithLogitsBackward(float[] g, float[] logits, float[] targets, float[] out, int n) {
        elementwise(g, logits, targets, out, n, (gg, l, t, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) {
                FloatVector p = sigmoid(FloatVector.fromArray(S, l, i));
                p.sub(FloatVector.fromArray(S, t, i)).mul(FloatVector.fromArray(S, gg, i)).intoArray(o, i);
            }
        });
    }

    @Override public void bceWithLogitsRowSums(float[] logits, float[] targets, float[] out, int rows, int cols) {
        int n = rows * cols, whole = cols / L * L;
        float[] u = Arena.floats(n);
        elementwise(logits, u, n, VectorKernels32::expOfMinusAbs); // softplusMinusProduct's first pass
        // its second, a row at a time, the terms written over u and each row summed as sumInto sums a row; a
        // pass of its own (the two transcendentals in one compiled loop exceeded C2's inlining budget:
        // VectorMath.logCore was left a call, its vectors boxed)
        Threads.splitRows(rows, cols, (r0, r1) -> {
            float[] tail = whole < cols ? new float[L] : null;
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                softplusMinusProduct(logits, targets, u, u, o, o + whole);
                if (tail != null) {
                    softplusMinusProduct(padded(logits, o + whole, o + cols), padded(targets, o + whole, o + cols),
                            padded(u, o + whole, o + cols), tail, 0, L);
                    System.arraycopy(tail, 0, u, o + whole, cols - whole);
                }
                out[r] += sum(u, o, cols);
            }
        });
    }

    @Override public void bceWithLogitsRowSumsBackward(float[] g, float[] logits, float[] targets, float[] out, int rows, int cols) {
        int whole = cols / L * L;
        Threads.splitRows(rows, cols, (r0, r1) -> {
            float[] tail = whole < cols ? new float[L] : null;
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                bceGradient(g[r], logits, targets, o, out, o, whole);
                if (tail != null) {
                    bceGradient(g[r], padded(logits, o + whole, o + cols), padded(targets, o + whole, o + cols), 0, tail, 0, L);
                    System.arraycopy(tail, 0, out, o + whole, cols - whole);
                }
            }
        });
    }

    /** out[oo + j] = (σ(x) − t)·g at x = x[xo + j], t = t[xo + j], for whole vectors j &lt; len: {@link #bceWithLogitsBackward}'s operations. */
    private static void bceGradient(float g, float[] x, float[] t, int xo, float[] out, int oo, int len) {
        FloatVector gv = FloatVector.broadcast(S, g);
        for (int j = 0; j < len; j += L) {
            FloatVector p = sigmoid(FloatVector.fromArray(S, x, xo + j));
            p.sub(FloatVector.fromArray(S, t, xo + j)).mul(gv).intoArray(out, oo + j);
        }
    }

    @Override public void reparameterize(float[] mu, float[] sigma, float[] eps, float[] out, int n, int samples) {
        int whole = n / L * L;
        for (int s = 0; s < samples; s++) reparameterizeWhole(mu, sigma, eps, out, s * n, whole);
        if (whole < n) { // the padded tail of every sample, by the same loop
            float[] m = padded(mu, whole, n), sg = padded(sigma, whole, n), e = new float[L], o = new float[L];
            for (int s = 0; s < samples; s++) {
                System.arraycopy(eps, s * n + whole, e, 0, n - whole);
                reparameterizeWhole(m, sg, e, o, 0, L);
                System.arraycopy(o, 0, out, s * n + whole, n - whole);
            }
        }
    }

    /** out[off + i] = μ[i] + σ[i]·ε[off + i] over whole vectors i &lt; len. */
    private static void reparameterizeWhole(float[] mu, float[] sigma, float[] eps, float[] out, int off, int len) {
        for (int i = 0; i < len; i += L) {
            FloatVector.fromArray(S, sigma, i).mul(FloatVector.fromArray(S, eps, off + i)).add(FloatVector.fromArray(S, mu, i)).intoArray(out, off + i);
        }
    }

    @Override public void klStandardNormal(float[] mu, float[] logVar, float[] out, int n) {
        elementwise(mu, logVar, null, out, n, (m, l, unused, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) {
                FloatVector mv = FloatVector.fromArray(S, m, i), lv = FloatVector.fromArray(S, l, i);
                mv.mul(mv).add(VectorMath.exp(lv)).sub(1f).sub(lv).mul(0.5f).intoArray(o, i);
            }
        });
    }

    @Override public void klStandardNormalBackward(float[] g, float[] logVar, float[] out, int n) {
        elementwise(g, logVar, null, out, n, (gg, l, unused, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) {
                VectorMath.exp(FloatVector.fromArray(S, l, i)).sub(1f).mul(FloatVector.fromArray(S, gg, i)).mul(0.5f).intoArray(o, i);
            }
        });
    }

    /**
     * Σ x[i]² in float partial sums, element i in partial i mod 16 ({@link VectorMath#V}, whatever the lane
     * count; one FMA chain each), combined by {@link VectorMath#tree16} and flushed to a double every 1024
     * steps of 16 elements to bound the error; the last n mod 16 elements in double, in order.
     */
    @Override public double sumOfSquares(float[] x, int n) {
        int whole = n - n % VectorMath.V, i = 0;
        double s = 0;
        if (L == 16 || L == 8 || L == 4) {
            FloatVector z = FloatVector.zero(S), a0 = z, a1 = z, a2 = z, a3 = z;
            for (; i < whole; i += VectorMath.V) {
                FloatVector x0 = FloatVector.fromArray(S, x, i);
                a0 = x0.fma(x0, a0);
                if (L < 16) {
                    FloatVector x1 = FloatVector.fromArray(S, x, i + L);
                    a1 = x1.fma(x1, a1);
                }
                if (L < 8) {
                    FloatVector x2 = FloatVector.fromArray(S, x, i + 2 * L), x3 = FloatVector.fromArray(S, x, i + 3 * L);
                    a2 = x2.fma(x2, a2);
                    a3 = x3.fma(x3, a3);
                }
                if ((i / VectorMath.V) % 1024 == 1023) {
                    s += VectorMath.tree16(a0, a1, a2, a3);
                    a0 = a1 = a2 = a3 = z;
                }
            }
            s += VectorMath.tree16(a0, a1, a2, a3);
        } else { // another lane count: the same chains, one element at a time
            float[] p = new float[VectorMath.V];
            for (; i < whole; i++) {
                p[i % VectorMath.V] = Math.fma(x[i], x[i], p[i % VectorMath.V]);
                if (i % (1024 * VectorMath.V) == 1024 * VectorMath.V - 1) {
                    s += VectorMath.tree16(p, 0);
                    Arrays.fill(p, 0f);
                }
            }
            s += VectorMath.tree16(p, 0);
        }
        for (i = whole; i < n; i++) s += (double) x[i] * x[i];
        return s;
    }

    @Override public void scale(float[] x, double c, int n) {
        float cf = (float) c;
        elementwise(x, x, n, (in, o, lo, hi) -> {
            for (int i = lo; i < hi; i += L) FloatVector.fromArray(S, in, i).mul(cf).intoArray(o, i);
        });
    }

    @Override public void matmul(float[] a, int aOff, boolean transA, float[] b, int bOff, boolean transB,
                                 float[] c, int cOff, int m, int n, int k) {
        Gemm32.gemm(a, aOff, transA, b, bOff, transB, c, cOff, m, n, k);
    }

    // ---- convolution (the bodies: Conv32, im2col and Gemm32)

    @Override public void conv2d(float[] x, float[] w, float[] bias, float[] out, ConvGeometry g) {
        Conv32.conv2d(x, w, bias, out, g);
    }

    @Override public void convTranspose2d(float[] y, float[] w, float[] bias, float[] out, ConvGeometry g) {
        Conv32.convTranspose2d(y, w, bias, out, g);
    }

    @Override public void conv2dWeight(float[] x, float[] gy, float[] out, ConvGeometry g) {
        Conv32.conv2dWeight(x, gy, out, g);
    }

    // ---- optimiser updates (the bodies: UpdateKernels32)

    @Override
    public void sgdUpdate(float[] p, float[] g, float[] buf, int n, double lr, double momentum, double dampening, double weightDecay,
                          boolean nesterov, boolean first) {
        UpdateKernels32.sgd(p, g, buf, n, lr, momentum, dampening, weightDecay, nesterov, first);
    }

    @Override
    public void adamUpdate(float[] p, float[] g, float[] m, float[] v, int n, double lr, double beta1, double beta2, double eps,
                           double weightDecay, boolean decoupled, double biasCorrection1, double biasCorrection2Sqrt) {
        UpdateKernels32.adam(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, biasCorrection1, biasCorrection2Sqrt);
    }

    // ---- the planar flow: element (k, i, n) of a [K·D, B] array at (kD + i)·B + n, of the codes [D, rows] at i·rows + j;
    // every loop along the data is a fmaRow, whose vector body and scalar tail give each element the same bits

    /** y[yo + j] = fma(a[ao + j], b[bo + j], y[yo + j]) for j &lt; n. */
    private static void fmaRow(float[] y, int yo, float[] a, int ao, float[] b, int bo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), FloatVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
        }
        for (; j < n; j++) y[yo + j] = Math.fma(a[ao + j], b[bo + j], y[yo + j]);
    }

    @Override public void planarFlow(float[] z0, float[] u, float[] w, float[] b, float[] out, float[] saved, boolean keepCodes, int rows, int batch, int d,
                                     int steps) {
        int kb = steps * batch, oM = steps * d * batch, oC = oM + kb, oWu = oC + kb, oWw = oWu + kb, oZ = oWw + kb;
        int oT = oZ + steps * d * rows;
        Arrays.fill(saved, oWu, oWw + kb, 0f);
        for (int k = 0; k < steps; k++) {
            for (int i = 0; i < d; i++) {
                int o = (k * d + i) * batch;
                fmaRow(saved, oWu + k * batch, w, o, u, o, batch);
                fmaRow(saved, oWw + k * batch, w, o, w, o, batch);
            }
        }
        float[] softplus = new float[kb];
        softplus(Arrays.copyOfRange(saved, oWu, oWu + kb), softplus, kb);
        for (int kn = 0; kn < kb; kn++) {
            saved[oM + kn] = softplus[kn] - 1f;
            saved[oC + kn] = (saved[oM + kn] - saved[oWu + kn]) / saved[oWw + kn];
        }
        for (int k = 0; k < steps; k++) {
            for (int i = 0; i < d; i++) {
                int o = (k * d + i) * batch;
                System.arraycopy(u, o, saved, o, batch);
                fmaRow(saved, o, saved, oC + k * batch, w, o, batch); // û = u + c·w
            }
        }
        float[] z = new float[d * rows], a = new float[rows], t = new float[rows], logDet = new float[rows];
        for (int j = 0; j < rows; j++) for (int i = 0; i < d; i++) z[i * rows + j] = z0[j * d + i];
        for (int k = 0; k < steps; k++) {
            if (keepCodes) System.arraycopy(z, 0, saved, oZ + k * d * rows, d * rows);
            for (int s = 0; s < rows; s += batch) System.arraycopy(b, k * batch, a, s, batch);
            for (int i = 0; i < d; i++) for (int s = 0; s < rows; s += batch) fmaRow(a, s, w, (k * d + i) * batch, z, i * rows + s, batch);
            tanh(a, t, rows);
            for (int i = 0; i < d; i++) for (int s = 0; s < rows; s += batch) fmaRow(z, i * rows + s, saved, (k * d + i) * batch, t, s, batch);
            for (int j = 0; j < rows; j++) a[j] = (1f - t[j] * t[j]) * saved[oM + k * batch + j % batch];
            log1p(a, a, rows);
            for (int j = 0; j < rows; j++) logDet[j] += a[j];
            if (keepCodes) System.arraycopy(t, 0, saved, oT + k * rows, rows);
        }
        for (int j = 0; j < rows; j++) {
            for (int i = 0; i < d; i++) out[j * (d + 1) + i] = z[i * rows + j];
            out[j * (d + 1) + d] = logDet[j];
        }
    }

    @Override public void planarFlowBackward(float[] g, float[] u, float[] w, float[] saved, float[] gz0, float[] gu, float[] gw,
                                             float[] gb, int rows, int batch, int d, int steps) {
        int kdb = steps * d * batch, kb = steps * batch, oM = kdb, oC = oM + kb, oWu = oC + kb, oWw = oWu + kb, oZ = oWw + kb;
        int oT = oZ + steps * d * rows;
        float[] gz = new float[d * rows], gl = new float[rows], gm = new float[kb], ga = new float[rows], h = new float[rows];
        for (int j = 0; j < rows; j++) {
            for (int i = 0; i < d; i++) gz[i * rows + j] = g[j * (d + 1) + i];
            gl[j] = g[j * (d + 1) + d];
        }
        Arrays.fill(gu, 0, kdb, 0f);
        Arrays.fill(gw, 0, kdb, 0f);
        Arrays.fill(gb, 0, kb, 0f);
        for (int k = steps - 1; k >= 0; k--) {
            for (int j = 0; j < rows; j++) {
                int kn = k * batch + j % batch;
                float t = saved[oT + k * rows + j], hj = 1f - t * t, m = saved[oM + kn], q = 1f + hj * m;
                h[j] = hj;
                ga[j] = -2f * gl[j] * t * m / q;
                gm[kn] += gl[j] * hj / q;
            }
            for (int i = 0; i < d; i++) for (int s = 0; s < rows; s += batch) fmaRow(ga, s, gz, i * rows + s, saved, (k * d + i) * batch, batch);
            for (int j = 0; j < rows; j++) {
                ga[j] *= h[j]; // now ∂a
                gb[k * batch + j % batch] += ga[j];
            }
            for (int i = 0; i < d; i++) {
                int o = (k * d + i) * batch;
                for (int s = 0; s < rows; s += batch) {
                    fmaRow(gu, o, saved, oT + k * rows + s, gz, i * rows + s, batch); // ∂û += t·g_z
                    fmaRow(gw, o, ga, s, saved, oZ + (k * d + i) * rows + s, batch); // ∂w += ∂a·z
                    fmaRow(gz, i * rows + s, ga, s, w, o, batch); // g_z += ∂a·w
                }
            }
        }
        float[] sigmoid = new float[kb], gc = new float[kb], gwu = new float[kb], gww2 = new float[kb];
        sigmoid(Arrays.copyOfRange(saved, oWu, oWu + kb), sigmoid, kb);
        for (int k = 0; k < steps; k++) for (int i = 0; i < d; i++) fmaRow(gc, k * batch, gu, (k * d + i) * batch, w, (k * d + i) * batch, batch);
        for (int kn = 0; kn < kb; kn++) {
            float ww = saved[oWw + kn];
            gwu[kn] = (gm[kn] + gc[kn] / ww) * sigmoid[kn] - gc[kn] / ww;
            gww2[kn] = -2f * gc[kn] * saved[oC + kn] / ww; // 2·∂‖w‖²
        }
        for (int k = 0; k < steps; k++) {
            for (int i = 0; i < d; i++) {
                int o = (k * d + i) * batch, p = k * batch;
                fmaRow(gw, o, saved, oC + p, gu, o, batch);
                fmaRow(gw, o, gwu, p, u, o, batch);
                fmaRow(gw, o, gww2, p, w, o, batch);
                fmaRow(gu, o, gwu, p, w, o, batch); // ∂u = ∂û + ∂(wᵀu)·w
            }
        }
        for (int j = 0; j < rows; j++) for (int i = 0; i < d; i++) gz0[j * d + i] = gz[i * rows + j];
    }

}

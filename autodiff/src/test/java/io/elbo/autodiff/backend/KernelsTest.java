package io.elbo.autodiff.backend;

import static io.elbo.autodiff.backend.Float32Checks.U;
import static io.elbo.autodiff.backend.Float32Checks.assertClose;
import static io.elbo.autodiff.backend.Float32Checks.random;
import static io.elbo.autodiff.backend.Float32Checks.widen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.elbo.autodiff.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every float32 Vector API kernel against the float64 scalar reference, at odd sizes (so the
 * masked tail and sizes below one vector are exercised), with a size-scaled tolerance. The
 * reference runs on the float32 inputs widened to double, so only the kernel's error is measured.
 */
class KernelsTest {
    static final Kernels<float[]> F32 = Backend.float32();
    /** The float64 reference (textbook loops), which the float32 kernels are measured against. */
    static final Kernels<double[]> F64 = ReferenceKernels64.INSTANCE;
    /** The parallel float64 kernels, which must give the reference's bits. */
    static final Kernels<double[]> PAR = new ParallelKernels64();
    interface Unary32 { void run(float[] x, float[] out, int n); }
    interface Unary64 { void run(double[] x, double[] out, int n); }

    static void unary(String op, int n, double lo, double hi, Unary32 f32, Unary64 f64) {
        float[] x = random(new Random(n * 31L + op.hashCode()), n, lo, hi);
        float[] got = new float[n];
        double[] ref = new double[n];
        f32.run(x, got, n);
        f64.run(widen(x), ref, n);
        assertClose(op, ref, got, 1e-6);
    }

    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdges")
    void unaryKernelsMatchTheFloat64Reference(int n) {
        unary("neg", n, -10, 10, F32::neg, F64::neg);
        unary("exp", n, -80, 80, F32::exp, F64::exp);
        unary("log", n, 1e-30, 1e30, F32::log, F64::log);
        unary("log1p", n, -0.999, 100, F32::log1p, F64::log1p);
        unary("sqrt", n, 0, 1e6, F32::sqrt, F64::sqrt);
        unary("abs", n, -10, 10, F32::abs, F64::abs);
        unary("relu", n, -10, 10, F32::relu, F64::relu);
        unary("sigmoid", n, -100, 100, F32::sigmoid, F64::sigmoid);
        unary("tanh", n, -20, 20, F32::tanh, F64::tanh);
        unary("sin", n, -10, 10, F32::sin, F64::sin);
        unary("cos", n, -10, 10, F32::cos, F64::cos);
        unary("softplus", n, -1e4, 1e4, F32::softplus, F64::softplus);
        unary("softplus (small)", n, -20, 20, F32::softplus, F64::softplus);
        unary("sign", n, -10, 10, F32::sign, F64::sign);
        unary("floor", n, -10, 10, F32::floor, F64::floor);
        unary("floor (large)", n, -1e9, 1e9, F32::floor, F64::floor);
        unary("pow 2.5", n, 0, 10, (x, o, m) -> F32.powScalar(x, 2.5, o, m), (x, o, m) -> F64.powScalar(x, 2.5, o, m));
        unary("pow -1", n, 0.1, 10, (x, o, m) -> F32.powScalar(x, -1, o, m), (x, o, m) -> F64.powScalar(x, -1, o, m));
        unary("clamp", n, -10, 10, (x, o, m) -> F32.clamp(x, -2, 3, o, m), (x, o, m) -> F64.clamp(x, -2, 3, o, m));
    }

    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdges")
    void specialValuesMatchTheFloat64Reference(int n) {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0f, 0f, -0.5f, 0.5f, -1f, 1e30f, -1e30f,
            0x1p23f + 1, -0x1p23f - 1, 2.5f, -2.5f};
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = special[i % special.length];
        double[] ref = new double[n];
        float[] got = new float[n];
        Unary32[] f32 = {F32::sign, F32::floor, F32::abs, F32::neg, F32::relu};
        Unary64[] f64 = {F64::sign, F64::floor, F64::abs, F64::neg, F64::relu};
        String[] names = {"sign", "floor", "abs", "neg", "relu"};
        for (int k = 0; k < names.length; k++) {
            f32[k].run(x, got, n);
            f64[k].run(widen(x), ref, n);
            assertClose(names[k] + " on special values", ref, got, 0);
        }
    }

    interface Binary32 { void run(float[] a, float[] b, float[] out, int n); }
    interface Binary64 { void run(double[] a, double[] b, double[] out, int n); }

    static void binary(String op, int n, double lo, double hi, Binary32 f32, Binary64 f64) {
        Random r = new Random(n * 17L + op.hashCode());
        float[] a = random(r, n, lo, hi), b = random(r, n, lo, hi);
        if (n > 2) b[1] = a[1]; // a tie, for the comparisons
        float[] got = new float[n];
        double[] ref = new double[n];
        f32.run(a, b, got, n);
        f64.run(widen(a), widen(b), ref, n);
        assertClose(op, ref, got, 1e-6);
    }

    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdges")
    void binaryKernelsMatchTheFloat64Reference(int n) {
        binary("add", n, -10, 10, F32::add, F64::add);
        binary("sub", n, -10, 10, F32::sub, F64::sub);
        binary("mul", n, -10, 10, F32::mul, F64::mul);
        binary("div", n, 0.5, 10, F32::div, F64::div);
        binary("pow", n, 0.1, 4, F32::pow, F64::pow);
        for (Kernels.Comparison c : Kernels.Comparison.values()) {
            binary(c.name(), n, -1, 1, (a, b, o, m) -> F32.compare(c, a, b, o, m), (a, b, o, m) -> F64.compare(c, a, b, o, m));
        }
        binary("where", n, -1, 1, (a, b, o, m) -> F32.where(a, a, b, o, m), (a, b, o, m) -> F64.where(a, a, b, o, m));
    }

    /** Sums: error bounded by n·u·Σ|x| (the classic recursive-summation bound), scaled by 2. */
    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdges")
    void reductionsMatchTheFloat64Reference(int n) {
        Random r = new Random(n);
        int[][] shapes = {{n}, {3, n}, {n, 3}, {2, n, 5}};
        for (int[] shape : shapes) {
            float[] x = random(r, Shape.numel(shape), -5, 5);
            for (int axis = -1; axis < shape.length; axis++) {
                boolean[] reduce = new boolean[shape.length];
                if (axis < 0) java.util.Arrays.fill(reduce, true); else reduce[axis] = true;
                int[] keep = Shape.reduced(shape, reduce);
                int[] strides = Shape.broadcastStrides(keep, shape);
                float[] s32 = new float[Shape.numel(keep)];
                double[] s64 = new double[s32.length];
                F32.sumInto(x, shape, s32, strides);
                F64.sumInto(widen(x), shape, s64, strides);
                double count = (double) x.length / s32.length, sumAbs = 5 * count;
                for (int i = 0; i < s32.length; i++) {
                    assertEquals(s64[i], s32[i], 2 * count * U * sumAbs + 1e-6, "sum " + Shape.str(shape) + " axis " + axis);
                }
                float[] m32 = new float[s32.length];
                double[] m64 = new double[s32.length];
                java.util.Arrays.fill(m32, Float.NEGATIVE_INFINITY);
                java.util.Arrays.fill(m64, Double.NEGATIVE_INFINITY);
                F32.maxInto(x, shape, m32, strides);
                F64.maxInto(widen(x), shape, m64, strides);
                for (int i = 0; i < m32.length; i++) assertEquals(m64[i], m32[i], 0.0, "max");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#smallLaneEdges")
    void matmulMatchesTheFloat64ReferenceInAllFourLayouts(int n) {
        Random r = new Random(n);
        int[][] mnk = {{n, 5, 3}, {3, n, 7}, {7, 3, n}, {n, n, n % 64 + 1}};
        for (int[] d : mnk) {
            int m = d[0], nn = d[1], k = d[2];
            float[] a = random(r, m * k, -1, 1), b = random(r, k * nn, -1, 1);
            for (int layout = 0; layout < 4; layout++) {
                boolean ta = (layout & 1) != 0, tb = (layout & 2) != 0;
                float[] c32 = new float[m * nn + 3];
                double[] c64 = new double[m * nn + 3];
                F32.matmul(a, 0, ta, b, 0, tb, c32, 3, m, nn, k);
                F64.matmul(widen(a), 0, ta, widen(b), 0, tb, c64, 3, m, nn, k);
                double sumAbs = k; // |a|, |b| <= 1
                for (int i = 3; i < c32.length; i++) {
                    assertEquals(c64[i], c32[i], 2 * k * U * sumAbs + 1e-6,
                            "matmul m=" + m + " n=" + nn + " k=" + k + " transA=" + ta + " transB=" + tb);
                }
            }
        }
    }

    /**
     * The elementwise kernels and the sums over rows or columns split among threads above a size threshold give
     * the same bits on one thread as on two (and match the float64 reference), at an odd size past the
     * threshold: the split never changes what is computed for an element.
     */
    @Test
    void splitKernelsGiveTheSameBitsOnOneAndTwoThreads() {
        int n = 140_001, cols = 781, rows = n / cols;
        Random r = new Random(7);
        float[] a = random(r, n, -3, 3), b = random(r, n, 0.5, 3);
        java.util.Map<String, float[]> first = new java.util.LinkedHashMap<>();
        for (int threads = 1; threads <= 2; threads++) {
            Threads.set(threads);
            try {
                java.util.Map<String, float[]> out = new java.util.LinkedHashMap<>();
                out.put("neg", new float[n]);
                F32.neg(a, out.get("neg"), n);
                out.put("relu", new float[n]);
                F32.relu(a, out.get("relu"), n);
                out.put("add", new float[n]);
                F32.add(a, b, out.get("add"), n);
                out.put("sub", new float[n]);
                F32.sub(a, b, out.get("sub"), n);
                out.put("mul", new float[n]);
                F32.mul(a, b, out.get("mul"), n);
                out.put("div", new float[n]);
                F32.div(a, b, out.get("div"), n);
                out.put("reluBackward", new float[n]);
                F32.reluBackward(b, a, out.get("reluBackward"), n);
                float[] withBias = java.util.Arrays.copyOf(a, rows * cols);
                F32.addBias(withBias, java.util.Arrays.copyOf(b, cols), rows, cols);
                out.put("addBias", withBias);
                float[] fused = java.util.Arrays.copyOf(a, rows * cols);
                F32.addBiasRelu(fused, java.util.Arrays.copyOf(b, cols), rows, cols);
                out.put("addBiasRelu", fused);
                float[] composed = withBias.clone();
                F32.relu(composed, composed, composed.length);
                assertArrayEquals(composed, fused, "addBiasRelu = addBias then relu, bit for bit");
                float[] biasGrad = new float[cols];
                F32.sumInto(java.util.Arrays.copyOf(a, rows * cols), new int[] {rows, cols}, biasGrad, new int[] {0, 1});
                out.put("sumInto rows", biasGrad);
                float[] rowSums = new float[rows];
                F32.sumInto(java.util.Arrays.copyOf(a, rows * cols), new int[] {rows, cols}, rowSums, new int[] {1, 0});
                out.put("sumInto columns", rowSums);
                float[] total = new float[1];
                F32.sumInto(a, new int[] {n}, total, new int[] {0});
                out.put("sumInto all", total);
                if (threads == 1) {
                    first = out;
                    double[] ref = new double[n];
                    F64.mul(widen(a), widen(b), ref, n);
                    assertClose("mul", ref, out.get("mul"), 0);
                    double[] sums = new double[cols];
                    F64.sumInto(widen(java.util.Arrays.copyOf(a, rows * cols)), new int[] {rows, cols}, sums, new int[] {0, 1});
                    for (int j = 0; j < cols; j++) assertEquals(sums[j], biasGrad[j], 3 * rows * U * rows, "sumInto column " + j);
                    double[] perRow = new double[rows];
                    F64.sumInto(widen(java.util.Arrays.copyOf(a, rows * cols)), new int[] {rows, cols}, perRow, new int[] {1, 0});
                    for (int i = 0; i < rows; i++) assertEquals(perRow[i], rowSums[i], 3 * cols * U * cols, "sumInto row " + i);
                    double exact = 0, abs = 0;
                    for (float v : a) {
                        exact += v;
                        abs += Math.abs(v);
                    }
                    assertEquals(exact, total[0], n * U * abs, "sumInto all");
                } else {
                    for (String op : out.keySet()) assertArrayEquals(first.get(op), out.get(op), op + ": 2 threads vs 1");
                }
            } finally {
                Threads.set(Runtime.getRuntime().availableProcessors());
            }
        }
    }

    /**
     * The float64 reference matmul, blocked, reordered and split among threads for speed, still gives
     * the bits of the textbook triple loop (acc = 0; acc += a·b in order of p), in all four layouts,
     * with an offset C, on 1 and 2 threads (the larger shapes pass the parallel threshold).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 130})
    void float64MatmulGivesTheTextbookTripleLoopsBits(int n) {
        Random r = new Random(n);
        int[][] mnk = {{n, 5, 3}, {3, n, 7}, {7, 3, n}, {n, 2 * n + 1, n + 3}};
        for (int[] d : mnk) {
            int m = d[0], nn = d[1], k = d[2];
            // Full 53-bit inputs: products of widened floats would be exact, hiding a changed rounding (an fma).
            double[] a = r.doubles(m * k, -1, 1).toArray(), b = r.doubles(k * nn, -1, 1).toArray();
            for (int layout = 0; layout < 4; layout++) {
                boolean ta = (layout & 1) != 0, tb = (layout & 2) != 0;
                double[] textbook = new double[m * nn + 2];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < nn; j++) {
                        double acc = 0;
                        for (int p = 0; p < k; p++) acc += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * nn + j]);
                        textbook[2 + i * nn + j] = acc;
                    }
                }
                double[] reference = new double[m * nn + 2];
                F64.matmul(a, 0, ta, b, 0, tb, reference, 2, m, nn, k);
                assertArrayEquals(textbook, reference, "reference matmul m=" + m + " n=" + nn + " k=" + k + " layout " + layout);
                for (int threads = 1; threads <= 2; threads++) {
                    Threads.set(threads);
                    try {
                        double[] c = new double[m * nn + 2];
                        PAR.matmul(a, 0, ta, b, 0, tb, c, 2, m, nn, k);
                        assertArrayEquals(textbook, c, "float64 matmul m=" + m + " n=" + nn + " k=" + k + " layout " + layout + ", " + threads + " threads");
                    } finally {
                        Threads.set(Runtime.getRuntime().availableProcessors());
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdges")
    void sumOfSquaresAndScaleMatchTheFloat64Reference(int n) {
        Random r = new Random(n);
        float[] x = random(r, n, -3, 3);
        assertEquals(F64.sumOfSquares(widen(x), n), F32.sumOfSquares(x, n), 2 * n * U * 9 * n);
        double[] x64 = widen(x);
        F32.scale(x, 0.37, n);
        F64.scale(x64, 0.37, n);
        assertClose("scale", x64, x, 0);
    }

    /** |got − ref| within 16 float32 ulps of {@code scale} (the magnitude of the terms that were summed). */
    static void assertWithin(String op, double[] ref, float[] got, double[] scale) {
        for (int i = 0; i < ref.length; i++) {
            double tol = 16 * U * scale[i] + 1e-30;
            if (!(Math.abs(ref[i] - got[i]) <= tol)) {
                fail(op + " at " + i + " of " + ref.length + ": float32 " + got[i] + ", float64 " + ref[i] + ", tol " + tol);
            }
        }
    }

    /** The fused kernels (and their threaded split, at 70 001 elements) against the float64 reference. */
    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdgesAndThreaded")
    void fusedKernelsMatchTheFloat64Reference(int n) {
        Random r = new Random(n);
        float[] l = random(r, n, -30, 30), t = random(r, n, 0, 1), g = random(r, n, -2, 2);
        float[] got = new float[n];
        double[] ref = new double[n], scale = new double[n];
        F32.bceWithLogits(l, t, got, n);
        F64.bceWithLogits(widen(l), widen(t), ref, n);
        for (int i = 0; i < n; i++) scale[i] = Math.abs(ref[i]) + 2 * Math.abs((double) l[i]);
        assertWithin("bceWithLogits", ref, got, scale);
        float[] inPlace = l.clone();
        F32.bceWithLogits(inPlace, t, inPlace, n); // the output may alias an input
        assertWithin("bceWithLogits in place", ref, inPlace, scale);
        F32.softplus(inPlace, got, n);
        F32.softplus(inPlace, inPlace, n);
        assertArrayEquals(got, inPlace, "softplus in place");
        F32.bceWithLogitsBackward(g, l, t, got, n);
        F64.bceWithLogitsBackward(widen(g), widen(l), widen(t), ref, n);
        for (int i = 0; i < n; i++) scale[i] = 2 * Math.abs((double) g[i]);
        assertWithin("bceWithLogitsBackward", ref, got, scale);

        F32.reluBackward(g, l, got, n);
        F64.reluBackward(widen(g), widen(l), ref, n);
        assertClose("reluBackward", ref, got, 0);

        int cols = 1 + n % 37, rows = n / cols;
        float[] c = random(r, rows * cols, -3, 3), bias = random(r, cols, -1, 1);
        double[] c64 = widen(c);
        F32.addBias(c, bias, rows, cols);
        F64.addBias(c64, widen(bias), rows, cols);
        assertClose("addBias", c64, c, 1e-6);
        float[] cr = random(r, rows * cols, -3, 3);
        double[] cr64 = widen(cr);
        F32.addBiasRelu(cr, bias, rows, cols);
        F64.addBiasRelu(cr64, widen(bias), rows, cols);
        assertClose("addBiasRelu", cr64, cr, 1e-6);
        // the cross-entropy summed along rows of cols (1 to 37: whole vectors and tails), and its gradient
        float[] lr = random(r, rows * cols, -30, 30), tr = random(r, rows * cols, 0, 1), gr = random(r, rows, -2, 2);
        float[] sums = new float[rows], dl = new float[rows * cols];
        double[] sums64 = new double[rows], dl64 = new double[rows * cols], terms64 = new double[rows * cols];
        F32.bceWithLogitsRowSums(lr, tr, sums, rows, cols);
        F64.bceWithLogitsRowSums(widen(lr), widen(tr), sums64, rows, cols);
        F64.bceWithLogits(widen(lr), widen(tr), terms64, rows * cols);
        double[] rowScale = new double[rows];
        for (int i = 0; i < rows * cols; i++) rowScale[i / cols] += Math.abs(terms64[i]) + 2 * Math.abs((double) lr[i]);
        assertWithin("bceWithLogitsRowSums", sums64, sums, rowScale);
        F32.bceWithLogitsRowSumsBackward(gr, lr, tr, dl, rows, cols);
        F64.bceWithLogitsRowSumsBackward(widen(gr), widen(lr), widen(tr), dl64, rows, cols);
        double[] gScale = new double[rows * cols];
        for (int i = 0; i < rows * cols; i++) gScale[i] = 2 * Math.abs((double) gr[i / cols]);
        assertWithin("bceWithLogitsRowSumsBackward", dl64, dl, gScale);

        float[] mu = random(r, n, -3, 3), lv = random(r, n, -20, 10), sigma = random(r, n, 0.01, 5);
        float[] eps = random(r, 3 * n, -4, 4), z = new float[3 * n];
        double[] z64 = new double[3 * n];
        F32.reparameterize(mu, sigma, eps, z, n, 3);
        F64.reparameterize(widen(mu), widen(sigma), widen(eps), z64, n, 3);
        assertClose("reparameterize", z64, z, 1e-5);

        F32.klStandardNormal(mu, lv, got, n);
        F64.klStandardNormal(widen(mu), widen(lv), ref, n);
        for (int i = 0; i < n; i++) scale[i] = mu[i] * mu[i] + Math.exp(lv[i]) + 1 + Math.abs(lv[i]);
        assertWithin("klStandardNormal", ref, got, scale);
        F32.klStandardNormalBackward(g, lv, got, n);
        F64.klStandardNormalBackward(widen(g), widen(lv), ref, n);
        for (int i = 0; i < n; i++) scale[i] = Math.abs(g[i]) * (Math.exp(lv[i]) + 1);
        assertWithin("klStandardNormalBackward", ref, got, scale);
    }

    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdges")
    void stridedCopyMatchesTheFloat64Reference(int n) {
        Random r = new Random(n);
        float[] x = random(r, 3 * n, -1, 1); // shape [3, n]
        int[] transposed = {1, n}; // read [3, n] as its transpose [n, 3]
        int[] outShape = {n, 3};
        float[] y32 = new float[3 * n];
        double[] y64 = new double[3 * n];
        F32.copy(x, 0, transposed, outShape, y32, 0, Shape.strides(outShape));
        F64.copy(widen(x), 0, transposed, outShape, y64, 0, Shape.strides(outShape));
        assertClose("copy", y64, y32, 0);
        int[] bshape = {4, n};
        float[] e32 = new float[4 * n];
        double[] e64 = new double[4 * n];
        F32.copy(x, 0, new int[] {0, 1}, bshape, e32, 0, Shape.strides(bshape));
        F64.copy(widen(x), 0, new int[] {0, 1}, bshape, e64, 0, Shape.strides(bshape));
        assertClose("broadcast copy", e64, e32, 0);
    }

    /**
     * The parallel float64 kernels, split among threads and made branch-free for speed, are still the plain
     * loops that define them (as is the reference), bit for bit, on one thread and on two, at an odd size past the split threshold and
     * with −0, ±∞ and NaN among the inputs (where a select of bit masks could differ from the ternary it
     * replaces). softplus and BCE use {@link ParallelKernels64#log1pSmall}, within 2 ulp of {@code Math.log1p}.
     */
    @Test
    void float64KernelsAreThePlainLoopsOnOneAndTwoThreads() {
        int n = 140_001, cols = 781, rows = n / cols;
        Random r = new Random(11);
        double[] x = r.doubles(n, -30, 30).toArray(), g = r.doubles(n, -2, 2).toArray(), t = r.doubles(n, 0, 1).toArray();
        double[] special = {-0.0, 0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, Double.MIN_VALUE, -Double.MIN_VALUE};
        for (int i = 0; i < special.length; i++) {
            x[i * 997] = special[i];
            g[i * 991 + 5] = special[i];
        }
        double[] bias = java.util.Arrays.copyOf(g, cols);
        double[][] textbook = new double[10][];
        textbook[0] = new double[n];
        textbook[1] = new double[n];
        textbook[2] = new double[n];
        textbook[3] = new double[n];
        for (int i = 0; i < n; i++) {
            textbook[0][i] = x[i] > 0 ? x[i] : 0.0;
            textbook[1][i] = x[i] > 0 ? g[i] : 0.0;
            textbook[2][i] = x[i] >= 0 ? 1.0 / (1.0 + Math.exp(-x[i])) : Math.exp(x[i]) / (1.0 + Math.exp(x[i]));
            textbook[3][i] = g[i] * (textbook[2][i] - t[i]);
        }
        textbook[4] = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = x[i * cols + j] + bias[j];
                textbook[4][i * cols + j] = v > 0 ? v : 0.0;
            }
        }
        textbook[5] = new double[cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) textbook[5][j] += g[i * cols + j];
        textbook[6] = new double[rows];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) textbook[6][i] += g[i * cols + j];
        textbook[7] = new double[n];
        for (int i = 0; i < n; i++) textbook[7][i] = Math.exp(x[i]);
        double[] bce = new double[n];
        for (int i = 0; i < n; i++) bce[i] = (Math.max(x[i], 0.0) + Math.log1p(Math.exp(-Math.abs(x[i])))) - x[i] * t[i];
        String[] names = {"relu", "reluBackward", "sigmoid", "bceWithLogitsBackward", "addBiasRelu", "sumInto over rows",
                          "sumInto per row", "exp"};
        for (int threads = 0; threads <= 2; threads++) { // 0: the reference; 1, 2: the parallel kernels on 1 and 2 threads
            Kernels<double[]> F64 = threads == 0 ? KernelsTest.F64 : PAR;
            Threads.set(Math.max(threads, 1));
            try {
                double[][] got = new double[8][];
                got[0] = new double[n];
                F64.relu(x, got[0], n);
                got[1] = new double[n];
                F64.reluBackward(g, x, got[1], n);
                got[2] = new double[n];
                F64.sigmoid(x, got[2], n);
                got[3] = new double[n];
                F64.bceWithLogitsBackward(g, x, t, got[3], n);
                got[4] = java.util.Arrays.copyOf(x, rows * cols);
                F64.addBiasRelu(got[4], bias, rows, cols);
                got[5] = new double[cols];
                F64.sumInto(java.util.Arrays.copyOf(g, rows * cols), new int[] {rows, cols}, got[5], new int[] {0, 1});
                got[6] = new double[rows];
                F64.sumInto(java.util.Arrays.copyOf(g, rows * cols), new int[] {rows, cols}, got[6], new int[] {1, 0});
                got[7] = new double[n];
                F64.exp(x, got[7], n);
                for (int o = 0; o < got.length; o++) assertArrayEquals(textbook[o], got[o], names[o] + ", " + threads + " threads");
                double[] bceGot = new double[n];
                F64.bceWithLogits(x, t, bceGot, n);
                for (int i = 0; i < n; i++) {
                    if (Double.isFinite(bce[i])) {
                        assertEquals(bce[i], bceGot[i], 4 * Math.ulp(Math.max(Math.abs(x[i]), 1.0)), "bceWithLogits at " + x[i]);
                    } else {
                        assertEquals(bce[i], bceGot[i], "bceWithLogits at " + x[i]);
                    }
                }
            } finally {
                Threads.set(Runtime.getRuntime().availableProcessors());
            }
        }
    }

    /** log(1 + e) on [0, 1] by Goldberg's e·log(u)/(u − 1): within 2 ulp of {@code Math.log1p}, exact at 0 and at the smallest e. */
    @Test
    void log1pSmallIsWithinTwoUlpOfMathLog1p() {
        Random r = new Random(3);
        double[] edges = {0.0, -0.0, Double.MIN_VALUE, 1e-300, 0x1p-53, 0x1p-52, 0x1.0000000000001p-52, 1e-8, 0.5, 1.0};
        for (double e : edges) assertEquals(Math.log1p(e), ParallelKernels64.log1pSmall(e), 2 * Math.ulp(Math.log1p(e)), "log1p(" + e + ")");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(ParallelKernels64.log1pSmall(-0.0)));
        for (int i = 0; i < 1_000_000; i++) {
            double e = i % 2 == 0 ? r.nextDouble() : Math.exp(-40 * r.nextDouble());
            double want = Math.log1p(e);
            assertEquals(want, ParallelKernels64.log1pSmall(e), 2 * Math.ulp(want), "log1p(" + e + ")");
        }
    }

    /**
     * A grey level k becomes the float k/255f, the correctly rounded quotient (what PyTorch's ToTensor gives a
     * byte), bit for bit, in float32 (whole vectors and the padded tail of each row, rows from anywhere, split
     * among threads) and in the float64 reference: every level, rows of every length about the lane edges.
     */
    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdges")
    void greyLevelsAreTheCorrectlyRoundedQuotientsByTwoFiftyFive(int n) {
        byte[] levels = new byte[300 * (n + 3)];
        for (int i = 0; i < levels.length; i++) levels[i] = (byte) (i * 97 + 13);
        int rows = 257;
        int[] starts = new int[rows];
        for (int r = 0; r < rows; r++) starts[r] = (r * 7919) % (levels.length - n);
        float[] got = new float[rows * n];
        double[] ref = new double[rows * n];
        F32.greyLevels(levels, starts, n, got);
        F64.greyLevels(levels, starts, n, ref);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                float want = (levels[starts[r] + j] & 0xff) / 255f;
                if (Float.floatToRawIntBits(got[r * n + j]) != Float.floatToRawIntBits(want)) {
                    fail("float32 level " + (levels[starts[r] + j] & 0xff) + " at row " + r + ", column " + j + " of " + n + ": " + got[r * n + j] + ", want " + want);
                }
                assertEquals((double) want, ref[r * n + j], 0.0, "float64 level at row " + r + ", column " + j);
            }
        }
        float[] all = new float[256];
        byte[] each = new byte[256];
        for (int k = 0; k < 256; k++) each[k] = (byte) k;
        F32.greyLevels(each, new int[] {0}, 256, all);
        for (int k = 0; k < 256; k++) assertEquals(Float.floatToRawIntBits(k / 255f), Float.floatToRawIntBits(all[k]), "level " + k);
    }

    /**
     * toDoubles and fromDoubles are get and set in one pass: every float widens exactly, and every double rounds to the
     * nearest float (ties to even, as the cast does), at odd sizes; float64's are copies.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 17, 33, 1001})
    void bulkConversionsAreGetAndSetElementByElement(int n) {
        Random r = new Random(n);
        float[] f = random(r, n, -1e3, 1e3);
        double[] wide = new double[n + 1], d = new double[n];
        F32.toDoubles(f, wide, n);
        for (int i = 0; i < n; i++) assertEquals(F32.get(f, i), wide[i], 0, "toDoubles [" + i + "]");
        assertEquals(0, wide[n], 0, "toDoubles wrote past n");
        for (int i = 0; i < n; i++) d[i] = r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4);
        float[] narrow = new float[n + 1], want = new float[n];
        F32.fromDoubles(d, narrow, n);
        for (int i = 0; i < n; i++) F32.set(want, i, d[i]);
        assertArrayEquals(want, java.util.Arrays.copyOf(narrow, n));
        assertEquals(0, narrow[n], 0, "fromDoubles wrote past n");
        double[] copy = new double[n];
        F64.fromDoubles(d, copy, n);
        assertArrayEquals(d, copy, 0);
        F64.toDoubles(d, copy, n);
        assertArrayEquals(d, copy, 0);
    }

    /**
     * The float32 planar flow, forward and backward, against the float64 reference on the same (widened) values, at
     * batch sizes about the lane edges, one and several steps, one and two samples per datum; the inputs fixed per
     * size (u scaled so that wᵀu, and with it 1 + (1 − t²)·m, stays away from the ill-conditioned m → −1).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 17, 33, 129})
    void planarFlowMatchesTheFloat64Reference(int batch) {
        for (int[] dks : new int[][] {{1, 1, 1}, {3, 3, 1}, {20, 8, 1}, {5, 2, 3}}) {
            int d = dks[0], steps = dks[1], samples = dks[2], rows = samples * batch;
            Random r = new Random(batch * 1000L + d * 10L + steps);
            float[] z = random(r, rows * d, -2, 2), u = random(r, steps * d * batch, -0.5, 0.5), w = random(r, steps * d * batch, -1, 1);
            float[] b = random(r, steps * batch, -1, 1), g = random(r, rows * (d + 1), -1, 1);
            int saved = Kernels.planarFlowSaved(rows, batch, d, steps);
            float[] out = new float[rows * (d + 1)], s32 = new float[saved];
            double[] ref = new double[rows * (d + 1)], s64 = new double[saved];
            F32.planarFlow(z, u, w, b, out, s32, true, rows, batch, d, steps);
            F64.planarFlow(widen(z), widen(u), widen(w), widen(b), ref, s64, true, rows, batch, d, steps);
            float[] alone = new float[rows * (d + 1)];
            F32.planarFlow(z, u, w, b, alone, new float[Kernels.planarFlowSaved(0, batch, d, steps)], false, rows, batch, d, steps);
            assertArrayEquals(out, alone, 0, "without the codes kept");
            String at = " (batch " + batch + ", D " + d + ", K " + steps + ", samples " + samples + ")";
            assertNear("planarFlow" + at, ref, out);
            float[] gz = new float[rows * d], gu = new float[steps * d * batch], gw = new float[steps * d * batch], gb = new float[steps * batch];
            double[] rz = new double[rows * d], ru = new double[steps * d * batch], rw = new double[steps * d * batch], rb = new double[steps * batch];
            F32.planarFlowBackward(g, u, w, s32, gz, gu, gw, gb, rows, batch, d, steps);
            F64.planarFlowBackward(widen(g), widen(u), widen(w), s64, rz, ru, rw, rb, rows, batch, d, steps);
            assertNear("∂z" + at, rz, gz);
            assertNear("∂u" + at, ru, gu);
            assertNear("∂w" + at, rw, gw);
            assertNear("∂b" + at, rb, gb);
        }
    }

    /** Within 2·10⁻⁵ of the reference relative to the largest magnitude among its elements (a chain of K steps in float32; 2·10⁻⁶ holds at these inputs). */
    static void assertNear(String what, double[] ref, float[] got) {
        double scale = 1;
        for (double v : ref) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < ref.length; i++) {
            if (!(Math.abs(ref[i] - got[i]) <= 2e-5 * scale)) fail(what + " at " + i + ": float32 " + got[i] + ", float64 " + ref[i] + ", scale " + scale);
        }
    }

}

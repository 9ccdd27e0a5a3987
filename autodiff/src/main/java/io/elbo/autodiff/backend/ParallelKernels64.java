package io.elbo.autodiff.backend;


/**
 * The float64 kernels for training: {@link ReferenceKernels64}'s arithmetic made fast. The matrix
 * multiply ({@link Gemm64}) is register-blocked, vectorised and split among threads, but gives the
 * textbook triple loop's bits. Large elementwise loops and per-row or per-column sums are split among
 * {@link Threads} in ranges; each element is still computed by the same operations in the same order,
 * so the bits do not depend on the thread count.
 *
 * <p>Where it differs from the reference, on purpose: branch-free {@link #select}s where the branch is
 * a coin toss (same bits); softplus and BCE take log1p(e^−|x|) by {@link #log1pSmall} (within 2 ulp of
 * {@link Math#log1p}, not bit for bit); sigmoid as num/(1 + e^−|x|) with one exp for both signs. It
 * needs the Vector API (for {@link Gemm64}).
 */
final class ParallelKernels64 extends ReferenceKernels64 {
    /** Work per element, relative to an add, for {@link Threads#split}: a call to {@link Math#exp} and the like. */
    private static final int COSTLY = 8;

    private static void split(int n, int weight, Threads.Range body) {
        Threads.split(n, 1, weight, body);
    }

    /**
     * log(1 + e) for 0 ≤ e ≤ 1 (the e^−|x| of softplus), as e·log(u)/(u − 1) with u = 1 + e rounded, which
     * cancels the rounding of u (Goldberg, "What every computer scientist should know about floating-point
     * arithmetic", 1991, theorem 4): within 2 ulp of {@link Math#log1p} over (e^−40, 1] in our sampling, at
     * the cost of one intrinsic {@link Math#log} (log1p itself is a slow native call on JDK 17).
     */
    static double log1pSmall(double e) {
        double u = 1.0 + e;
        return u == 1.0 ? e : Math.log(u) * (e / (u - 1.0));
    }

    /**
     * {@code c ? a : b}, bit for bit, without a branch. Where c is as good as random (the sign of a
     * pre-activation or a logit), a compiled branch mispredicts about half the time and costs ~4 ns an
     * element, against ~0.6 ns for this select of bit masks.
     */
    static double select(boolean c, double a, double b) {
        long m = c ? -1L : 0L;
        return Double.longBitsToDouble(Double.doubleToRawLongBits(a) & m | Double.doubleToRawLongBits(b) & ~m);
    }

    @Override public void neg(double[] x, double[] out, int n) {
        split(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = -x[i]; });
    }

    @Override public void exp(double[] x, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = Math.exp(x[i]); });
    }

    @Override public void log(double[] x, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = Math.log(x[i]); });
    }

    @Override public void log1p(double[] x, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = Math.log1p(x[i]); });
    }

    @Override public void relu(double[] x, double[] out, int n) {
        split(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = select(x[i] > 0, x[i], 0.0); });
    }

    /**
     * 1 / (1 + e^−x) for x ≥ 0, e^x / (1 + e^x) for x &lt; 0: with e = e^−|x| both are num / (1 + e), num = 1
     * or e, chosen without a branch (the sign of a logit is as good as random).
     */
    @Override public void sigmoid(double[] x, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                double v = x[i], e = Math.exp(-Math.abs(v));
                out[i] = select(v >= 0, 1.0, e) / (1.0 + e);
            }
        });
    }

    @Override public void tanh(double[] x, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = Math.tanh(x[i]); });
    }

    @Override public void softplus(double[] x, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = select(x[i] > 0, x[i], 0.0) + log1pSmall(Math.exp(-Math.abs(x[i]))); });
    }

    @Override public void add(double[] a, double[] b, double[] out, int n) {
        split(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = a[i] + b[i]; });
    }

    @Override public void sub(double[] a, double[] b, double[] out, int n) {
        split(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = a[i] - b[i]; });
    }

    @Override public void mul(double[] a, double[] b, double[] out, int n) {
        split(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = a[i] * b[i]; });
    }

    @Override public void div(double[] a, double[] b, double[] out, int n) {
        split(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = a[i] / b[i]; });
    }

    @Override public void sumInto(double[] src, int[] shape, double[] dst, int[] dstStrides) {
        if (shape.length == 2 && dstStrides[0] == 0 && dstStrides[1] == 1) { // dst[j] += Σ_r src[r, j]: a bias gradient
            int rows = shape[0], cols = shape[1];
            split(cols, rows, (lo, hi) -> { // by columns; each column adds its rows in order
                for (int r = 0; r < rows; r++) for (int j = lo; j < hi; j++) dst[j] += src[r * cols + j];
            });
            return;
        }
        if (shape.length == 2 && dstStrides[1] == 0) { // dst[r] += Σ_j src[r, j]: a sum per row, in order of j
            int rows = shape[0], cols = shape[1], ds = dstStrides[0];
            Threads.splitRows(rows, cols, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    double acc = dst[r * ds];
                    for (int j = 0; j < cols; j++) acc += src[r * cols + j];
                    dst[r * ds] = acc;
                }
            });
            return;
        }
        Strided.forEachRun(shape, dstStrides, (s, d, len, ss, ds) -> {
            for (int i = 0; i < len; i++) dst[d + i * ds] += src[s + i];
        });
    }

    /** C = op(A)·op(B) with the textbook triple loop's bits, computed by {@link Gemm64}. */
    @Override public void matmul(double[] a, int aOff, boolean transA, double[] b, int bOff, boolean transB,
                                 double[] c, int cOff, int m, int n, int k) {
        Gemm64.gemm(a, aOff, transA, b, bOff, transB, c, cOff, m, n, k);
    }

    // ---- convolution: im2col and Gemm64, the reference's bits (Conv64)

    @Override public void conv2d(double[] x, double[] w, double[] bias, double[] out, ConvGeometry g) {
        Conv64.conv2d(x, w, bias, out, g);
    }

    @Override public void convTranspose2d(double[] y, double[] w, double[] bias, double[] out, ConvGeometry g) {
        Conv64.convTranspose2d(y, w, bias, out, g);
    }

    @Override public void conv2dWeight(double[] x, double[] gy, double[] out, ConvGeometry g) {
        Conv64.conv2dWeight(x, gy, out, g);
    }

    // ---- fused ----

    @Override public void addBias(double[] c, double[] bias, int rows, int cols) {
        Threads.splitRows(rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) for (int j = 0; j < cols; j++) c[r * cols + j] += bias[j];
        });
    }

    @Override public void addBiasRelu(double[] c, double[] bias, int rows, int cols) {
        Threads.splitRows(rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) for (int j = 0; j < cols; j++) {
                    double v = c[r * cols + j] + bias[j];
                    c[r * cols + j] = select(v > 0, v, 0.0);
                }
        });
    }

    @Override public void reluBackward(double[] g, double[] x, double[] out, int n) {
        split(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = select(x[i] > 0, g[i], 0.0); });
    }

    @Override public void bceWithLogits(double[] logits, double[] targets, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                double l = logits[i];
                out[i] = (select(l > 0, l, 0.0) + log1pSmall(Math.exp(-Math.abs(l)))) - l * targets[i];
            }
        });
    }

    @Override public void bceWithLogitsBackward(double[] g, double[] logits, double[] targets, double[] out, int n) {
        sigmoid(logits, out, n);
        split(n, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = g[i] * (out[i] - targets[i]); });
    }

    @Override public void klStandardNormal(double[] mu, double[] logVar, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = (mu[i] * mu[i] + Math.exp(logVar[i]) - 1 - logVar[i]) * 0.5; });
    }

    @Override public void klStandardNormalBackward(double[] g, double[] logVar, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = g[i] * (Math.exp(logVar[i]) - 1) * 0.5; });
    }

    @Override
    public void adamUpdate(double[] p, double[] g, double[] m, double[] v, int n, double lr, double beta1, double beta2, double eps,
                           double weightDecay, boolean decoupled, double biasCorrection1, double biasCorrection2Sqrt) {
        split(n, COSTLY, (lo, hi) -> adamRange(p, g, m, v, lo, hi, lr, beta1, beta2, eps, weightDecay, decoupled, biasCorrection1,
                biasCorrection2Sqrt));
    }
}

package io.elbo.autodiff;

import java.util.Arrays;

/**
 * The float64 reference kernels: plain loops over {@code double[]} with {@link Math}. The matrix multiply
 * ({@link Gemm64}) is register-blocked, vectorised and split among threads for speed, but gives the
 * textbook triple loop's bits. Large elementwise loops and per-row or per-column sums are split among
 * {@link Threads} in ranges; each element is still computed by the same operations in the same order,
 * so the bits do not depend on the thread count.
 */
final class ScalarKernels64 implements Kernels<double[]> {
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

    @Override public double[] allocate(int n) { return new double[n]; }

    @Override public double get(double[] a, int i) { return a[i]; }

    @Override public void set(double[] a, int i, double v) { a[i] = v; }

    @Override public void fill(double[] out, double value, int n) { Arrays.fill(out, 0, n, value); }

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

    @Override public void sqrt(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); }

    @Override public void abs(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.abs(x[i]); }

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

    @Override public void sin(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.sin(x[i]); }

    @Override public void cos(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.cos(x[i]); }

    @Override public void softplus(double[] x, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = select(x[i] > 0, x[i], 0.0) + log1pSmall(Math.exp(-Math.abs(x[i]))); });
    }

    @Override public void sign(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.signum(x[i]); }

    @Override public void floor(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.floor(x[i]); }

    @Override public void powScalar(double[] x, double p, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = Math.pow(x[i], p);
    }

    @Override public void clamp(double[] x, double lo, double hi, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = Math.min(Math.max(x[i], lo), hi);
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

    @Override public void pow(double[] a, double[] b, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.pow(a[i], b[i]); }

    @Override public void compare(Comparison op, double[] a, double[] b, double[] out, int n) {
        for (int i = 0; i < n; i++) {
            boolean t = switch (op) {
                case GT -> a[i] > b[i];
                case GE -> a[i] >= b[i];
                case LT -> a[i] < b[i];
                case LE -> a[i] <= b[i];
                case EQ -> a[i] == b[i];
            };
            out[i] = t ? 1.0 : 0.0;
        }
    }

    @Override public void where(double[] mask, double[] a, double[] b, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = mask[i] != 0 ? a[i] : b[i];
    }

    @Override public void copy(double[] src, int srcOff, int[] srcStrides, int[] shape, double[] dst, int dstOff, int[] dstStrides) {
        Kernels.forEachRun(shape, srcOff, srcStrides, dstOff, dstStrides, (s, d, len, ss, ds) -> {
            for (int i = 0; i < len; i++) dst[d + i * ds] = src[s + i * ss];
        });
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
        Kernels.forEachRun(shape, 0, Shape.strides(shape), 0, dstStrides, (s, d, len, ss, ds) -> {
            for (int i = 0; i < len; i++) dst[d + i * ds] += src[s + i];
        });
    }

    @Override public void maxInto(double[] src, int[] shape, double[] dst, int[] dstStrides) {
        Kernels.forEachRun(shape, 0, Shape.strides(shape), 0, dstStrides, (s, d, len, ss, ds) -> {
            for (int i = 0; i < len; i++) dst[d + i * ds] = Math.max(dst[d + i * ds], src[s + i]);
        });
    }

    @Override public void sgdStep(double[] p, double[] g, double[] buf, int n, double lr, double momentum,
                                  double dampening, double weightDecay, boolean nesterov, boolean first) {
        for (int i = 0; i < n; i++) {
            double d = weightDecay != 0 ? g[i] + weightDecay * p[i] : g[i];
            if (momentum != 0) {
                buf[i] = first ? d : buf[i] * momentum + (1 - dampening) * d;
                d = nesterov ? d + momentum * buf[i] : buf[i];
            }
            p[i] = p[i] + (-lr) * d;
        }
    }

    @Override public void adamStep(double[] p, double[] g, double[] m, double[] v, int n, double lr, double beta1,
                                   double beta2, double eps, double weightDecay, boolean decoupled,
                                   double biasCorrection1, double biasCorrection2Sqrt) {
        double stepSize = lr / biasCorrection1;
        split(n, COSTLY, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                double gi = g[i];
                if (decoupled) p[i] = p[i] * (1 - lr * weightDecay);
                else if (weightDecay != 0) gi = gi + weightDecay * p[i];
                m[i] = m[i] * beta1 + (1 - beta1) * gi;
                v[i] = v[i] * beta2 + (1 - beta2) * gi * gi;
                double denom = Math.sqrt(v[i]) / biasCorrection2Sqrt + eps;
                p[i] = p[i] + (-stepSize) * (m[i] / denom);
            }
        });
    }

    @Override public double sumOfSquares(double[] x, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[i] * x[i];
        return s;
    }

    @Override public void scale(double[] x, double c, int n) { for (int i = 0; i < n; i++) x[i] *= c; }

    /** C = op(A)·op(B) with the textbook triple loop's bits, computed by {@link Gemm64}. */
    @Override public void matmul(double[] a, int aOff, boolean transA, double[] b, int bOff, boolean transB,
                                 double[] c, int cOff, int m, int n, int k) {
        Gemm64.gemm(a, aOff, transA, b, bOff, transB, c, cOff, m, n, k);
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

    @Override public void reparameterize(double[] mu, double[] sigma, double[] eps, double[] out, int n, int samples) {
        for (int s = 0; s < samples; s++) for (int i = 0; i < n; i++) out[s * n + i] = mu[i] + sigma[i] * eps[s * n + i];
    }

    @Override public void klStandardNormal(double[] mu, double[] logVar, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = (mu[i] * mu[i] + Math.exp(logVar[i]) - 1 - logVar[i]) * 0.5; });
    }

    @Override public void klStandardNormalBackward(double[] g, double[] logVar, double[] out, int n) {
        split(n, COSTLY, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = g[i] * (Math.exp(logVar[i]) - 1) * 0.5; });
    }
}

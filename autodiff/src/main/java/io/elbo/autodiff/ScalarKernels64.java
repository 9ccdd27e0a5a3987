package io.elbo.autodiff;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float64 reference kernels: plain loops over {@code double[]} with {@link Math}. The matrix multiply
 * is blocked, vectorised and split among threads for speed, but gives the textbook triple loop's bits.
 */
final class ScalarKernels64 implements Kernels<double[]> {

    @Override public double[] allocate(int n) { return new double[n]; }

    @Override public double get(double[] a, int i) { return a[i]; }

    @Override public void set(double[] a, int i, double v) { a[i] = v; }

    @Override public void fill(double[] out, double value, int n) { Arrays.fill(out, 0, n, value); }

    @Override public void neg(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = -x[i]; }

    @Override public void exp(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.exp(x[i]); }

    @Override public void log(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.log(x[i]); }

    @Override public void log1p(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.log1p(x[i]); }

    @Override public void sqrt(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); }

    @Override public void abs(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.abs(x[i]); }

    @Override public void relu(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0.0; }

    @Override public void sigmoid(double[] x, double[] out, int n) {
        for (int i = 0; i < n; i++) {
            double v = x[i];
            if (v >= 0) {
                out[i] = 1.0 / (1.0 + Math.exp(-v));
            } else {
                double e = Math.exp(v);
                out[i] = e / (1.0 + e);
            }
        }
    }

    @Override public void tanh(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.tanh(x[i]); }

    @Override public void sin(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.sin(x[i]); }

    @Override public void cos(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.cos(x[i]); }

    @Override public void softplus(double[] x, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = Math.max(x[i], 0.0) + Math.log1p(Math.exp(-Math.abs(x[i])));
    }

    @Override public void sign(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.signum(x[i]); }

    @Override public void floor(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.floor(x[i]); }

    @Override public void powScalar(double[] x, double p, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = Math.pow(x[i], p);
    }

    @Override public void clamp(double[] x, double lo, double hi, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = Math.min(Math.max(x[i], lo), hi);
    }

    @Override public void add(double[] a, double[] b, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = a[i] + b[i]; }

    @Override public void sub(double[] a, double[] b, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = a[i] - b[i]; }

    @Override public void mul(double[] a, double[] b, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = a[i] * b[i]; }

    @Override public void div(double[] a, double[] b, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = a[i] / b[i]; }

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
        for (int i = 0; i < n; i++) {
            double gi = g[i];
            if (decoupled) p[i] = p[i] * (1 - lr * weightDecay);
            else if (weightDecay != 0) gi = gi + weightDecay * p[i];
            m[i] = m[i] * beta1 + (1 - beta1) * gi;
            v[i] = v[i] * beta2 + (1 - beta2) * gi * gi;
            double denom = Math.sqrt(v[i]) / biasCorrection2Sqrt + eps;
            p[i] = p[i] + (-stepSize) * (m[i] / denom);
        }
    }

    @Override public double sumOfSquares(double[] x, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[i] * x[i];
        return s;
    }

    @Override public void scale(double[] x, double c, int n) { for (int i = 0; i < n; i++) x[i] *= c; }

    /**
     * C[i,j] = Σ_p op(A)[i,p]·op(B)[p,j], each element summed from 0 in order of p with separate
     * multiply and add (the textbook triple loop's bits), but in loop order (row block, p, row, j): the
     * inner loop runs along a row of op(B) and of C ({@link #axpy}, on vectors), while a block of rows of
     * C stays in cache. Bᵀ is first copied into a row-major op(B). Row blocks are split among
     * {@link Threads} above 2^18 multiply-adds; the order within each element does not change.
     */
    @Override public void matmul(double[] a, int aOff, boolean transA, double[] b, int bOff, boolean transB,
                                 double[] c, int cOff, int m, int n, int k) {
        double[] opB = b;
        int bo = bOff;
        if (transB) {
            opB = new double[k * n];
            bo = 0;
            for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) opB[p * n + j] = b[bOff + j * k + p];
        }
        double[] rowsOfB = opB;
        int rowsOff = bo;
        int blocks = (m + MATMUL_ROWS - 1) / MATMUL_ROWS;
        int parts = (long) m * n * k >= (1L << 18) ? Math.min(Threads.count(), blocks) : 1;
        Threads.forEach(parts, part -> {
            for (int block = blocks * part / parts; block < blocks * (part + 1) / parts; block++) {
                int i0 = block * MATMUL_ROWS, i1 = Math.min(m, i0 + MATMUL_ROWS);
                Arrays.fill(c, cOff + i0 * n, cOff + i1 * n, 0.0);
                for (int p = 0; p < k; p++) {
                    int bp = rowsOff + p * n;
                    for (int i = i0; i < i1; i++) {
                        double aip = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                        int ci = cOff + i * n;
                        axpy(aip, rowsOfB, bp, c, ci, n);
                    }
                }
            }
        });
    }

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

    /**
     * c[ci + j] += a·x[xi + j] for j &lt; n: a multiply, then an add, per element, L lanes at a time (the same
     * two IEEE operations per element as the scalar loop, so the same bits). Written as the plain loop,
     * a W1 float64 epoch took 21 s instead of 8.5 s: the JIT did not vectorise it.
     */
    private static void axpy(double a, double[] x, int xi, double[] c, int ci, int n) {
        DoubleVector av = DoubleVector.broadcast(D, a);
        int j = 0;
        for (; j <= n - D.length(); j += D.length()) {
            DoubleVector.fromArray(D, c, ci + j).add(av.mul(DoubleVector.fromArray(D, x, xi + j))).intoArray(c, ci + j);
        }
        for (; j < n; j++) c[ci + j] += a * x[xi + j];
    }

    /** Rows of C per block in {@link #matmul}: 16 rows of 400 to 800 doubles stay in L2 while op(B) streams past. */
    private static final int MATMUL_ROWS = 16;

    // ---- fused ----

    @Override public void addBias(double[] c, double[] bias, int rows, int cols) {
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) c[r * cols + j] += bias[j];
    }

    @Override public void reluBackward(double[] g, double[] x, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = x[i] > 0 ? g[i] : 0.0;
    }

    @Override public void bceWithLogits(double[] logits, double[] targets, double[] out, int n) {
        for (int i = 0; i < n; i++) {
            double l = logits[i];
            out[i] = (Math.max(l, 0.0) + Math.log1p(Math.exp(-Math.abs(l)))) - l * targets[i];
        }
    }

    @Override public void bceWithLogitsBackward(double[] g, double[] logits, double[] targets, double[] out, int n) {
        sigmoid(logits, out, n);
        for (int i = 0; i < n; i++) out[i] = g[i] * (out[i] - targets[i]);
    }

    @Override public void reparameterize(double[] mu, double[] sigma, double[] eps, double[] out, int n, int samples) {
        for (int s = 0; s < samples; s++) for (int i = 0; i < n; i++) out[s * n + i] = mu[i] + sigma[i] * eps[s * n + i];
    }

    @Override public void klStandardNormal(double[] mu, double[] logVar, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = (mu[i] * mu[i] + Math.exp(logVar[i]) - 1 - logVar[i]) * 0.5;
    }

    @Override public void klStandardNormalBackward(double[] g, double[] logVar, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = g[i] * (Math.exp(logVar[i]) - 1) * 0.5;
    }
}

package io.elbo.autodiff;

import java.util.Arrays;

/**
 * The float64 reference kernels: plain loops over {@code double[]} with {@link Math}. The matrix multiply
 * ({@link Gemm64}) is register-blocked, vectorised and split among threads for speed, but gives the
 * textbook triple loop's bits.
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

    /** C = op(A)·op(B) with the textbook triple loop's bits, computed by {@link Gemm64}. */
    @Override public void matmul(double[] a, int aOff, boolean transA, double[] b, int bOff, boolean transB,
                                 double[] c, int cOff, int m, int n, int k) {
        Gemm64.gemm(a, aOff, transA, b, bOff, transB, c, cOff, m, n, k);
    }

    // ---- fused ----

    @Override public void addBias(double[] c, double[] bias, int rows, int cols) {
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) c[r * cols + j] += bias[j];
    }

    @Override public void addBiasRelu(double[] c, double[] bias, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                double v = c[r * cols + j] + bias[j];
                c[r * cols + j] = v > 0 ? v : 0.0;
            }
        }
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

package io.elbo.autodiff.backend;

import java.util.Arrays;

/**
 * The float64 reference: every kernel as the textbook loop, one element after another with
 * {@link Math}, on one thread, with no Vector API. It is what {@code GradCheck} computes with, what a
 * reader checks the other implementations against, and what every float64 program uses when the JVM
 * runs without {@code --add-modules jdk.incubator.vector}. The matrix product is the triple loop, each
 * element summed from 0 in order of k; {@link ParallelKernels64} gives the same bits faster.
 */
class ReferenceKernels64 implements Kernels<double[]> {
    static final ReferenceKernels64 INSTANCE = new ReferenceKernels64();

    ReferenceKernels64() {}

    @Override public double[] allocate(int n) { return new double[n]; }

    @Override public double get(double[] a, int i) { return a[i]; }

    @Override public void set(double[] a, int i, double v) { a[i] = v; }

    @Override public void toDoubles(double[] a, double[] out, int n) { System.arraycopy(a, 0, out, 0, n); }

    @Override public void fromDoubles(double[] values, double[] out, int n) { System.arraycopy(values, 0, out, 0, n); }

    @Override public void fill(double[] out, double value, int n) { Arrays.fill(out, 0, n, value); }

    @Override public void greyLevels(byte[] levels, int[] starts, int length, double[] out) {
        for (int i = 0; i < starts.length; i++) {
            for (int j = 0; j < length; j++) out[i * length + j] = (levels[starts[i] + j] & 0xff) / 255f;
        }
    }

    // ---- unary

    @Override public void neg(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = -x[i]; }

    @Override public void exp(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.exp(x[i]); }

    @Override public void log(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.log(x[i]); }

    @Override public void log1p(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.log1p(x[i]); }

    @Override public void sqrt(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); }

    @Override public void abs(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.abs(x[i]); }

    @Override public void relu(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = relu(x[i]); }

    /** x &gt; 0 ? x : 0 (so relu(−0) = relu(NaN) = 0, as every relu kernel). */
    private static double relu(double x) {
        return x > 0 ? x : 0.0;
    }

    /** 1/(1 + e^−x) for x ≥ 0 and e^x/(1 + e^x) for x &lt; 0: no overflow for either sign. */
    @Override public void sigmoid(double[] x, double[] out, int n) {
        for (int i = 0; i < n; i++) {
            double e = Math.exp(-Math.abs(x[i]));
            out[i] = (x[i] >= 0 ? 1.0 : e) / (1.0 + e);
        }
    }

    @Override public void tanh(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.tanh(x[i]); }

    @Override public void sin(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.sin(x[i]); }

    @Override public void cos(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.cos(x[i]); }

    @Override public void softplus(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = softplus(x[i]); }

    /** log(1 + e^x) = max(x, 0) + log1p(e^−|x|): finite for every finite x. */
    private static double softplus(double x) {
        return relu(x) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    @Override public void sign(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.signum(x[i]); }

    @Override public void floor(double[] x, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.floor(x[i]); }

    @Override public void powScalar(double[] x, double p, double[] out, int n) { for (int i = 0; i < n; i++) out[i] = Math.pow(x[i], p); }

    @Override public void clamp(double[] x, double lo, double hi, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = Math.min(Math.max(x[i], lo), hi);
    }

    // ---- binary

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

    // ---- movement and reduction

    @Override public void copy(double[] src, int srcOff, int[] srcStrides, int[] shape, double[] dst, int dstOff, int[] dstStrides) {
        Strided.forEachRun(shape, srcOff, srcStrides, dstOff, dstStrides, (s, d, len, ss, ds) -> {
            for (int i = 0; i < len; i++) dst[d + i * ds] = src[s + i * ss];
        });
    }

    @Override public void sumInto(double[] src, int[] shape, double[] dst, int[] dstStrides) {
        Strided.forEachRun(shape, dstStrides, (s, d, len, ss, ds) -> {
            for (int i = 0; i < len; i++) dst[d + i * ds] += src[s + i];
        });
    }

    @Override public void maxInto(double[] src, int[] shape, double[] dst, int[] dstStrides) {
        Strided.forEachRun(shape, dstStrides, (s, d, len, ss, ds) -> {
            for (int i = 0; i < len; i++) dst[d + i * ds] = Math.max(dst[d + i * ds], src[s + i]);
        });
    }

    /** The triple loop: c[i, j] = Σ_p op(A)[i, p]·op(B)[p, j], summed from 0 in order of p. */
    @Override public void matmul(double[] a, int aOff, boolean transA, double[] b, int bOff, boolean transB,
                                 double[] c, int cOff, int m, int n, int k) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double aip = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                    double bpj = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
                    s += aip * bpj;
                }
                c[cOff + i * n + j] = s;
            }
        }
    }

    // ---- convolution: each output element summed from 0 in order, the bias added last

    /** out[n, o, y, x] = Σ_{c, i, j} x[n, c, y·s − p + i, x·s − p + j]·w[o, c, i, j] (+ bias[o]), pixels outside the image skipped. */
    @Override public void conv2d(double[] x, double[] w, double[] bias, double[] out, ConvGeometry g) {
        int C = g.channels(), H = g.height(), W = g.width(), O = g.outChannels(), kh = g.kernelH(), kw = g.kernelW();
        int OH = g.outHeight(), OW = g.outWidth(), s = g.stride(), p = g.padding();
        for (int n = 0; n < g.batch(); n++) {
            for (int o = 0; o < O; o++) {
                for (int y = 0; y < OH; y++) {
                    for (int v = 0; v < OW; v++) {
                        double sum = 0;
                        for (int c = 0; c < C; c++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int h = y * s - p + i, u = v * s - p + j;
                                    if (h >= 0 && h < H && u >= 0 && u < W) {
                                        sum += x[((n * C + c) * H + h) * W + u] * w[((o * C + c) * kh + i) * kw + j];
                                    }
                                }
                            }
                        }
                        out[((n * O + o) * OH + y) * OW + v] = bias == null ? sum : sum + bias[o];
                    }
                }
            }
        }
    }

    /**
     * out[n, c, h, u] = Σ_{i, j} (Σ_o y[n, o, (h + p − i)/s, (u + p − j)/s]·w[o, c, i, j]) (+ bias[c]), over the kernel
     * offsets whose quotients are whole and inside the output: each output pixel gathers what {@link #conv2d} would
     * have read from it, each kernel offset's sum over the channels o added in order of (i, j).
     */
    @Override public void convTranspose2d(double[] y, double[] w, double[] bias, double[] out, ConvGeometry g) {
        int C = g.channels(), H = g.height(), W = g.width(), O = g.outChannels(), kh = g.kernelH(), kw = g.kernelW();
        int OH = g.outHeight(), OW = g.outWidth(), s = g.stride(), p = g.padding();
        for (int n = 0; n < g.batch(); n++) {
            for (int c = 0; c < C; c++) {
                for (int h = 0; h < H; h++) {
                    for (int u = 0; u < W; u++) {
                        double sum = 0;
                        for (int i = 0; i < kh; i++) {
                            for (int j = 0; j < kw; j++) {
                                int ys = h + p - i, vs = u + p - j;
                                if (ys < 0 || vs < 0 || ys % s != 0 || vs % s != 0 || ys / s >= OH || vs / s >= OW) continue;
                                double t = 0;
                                for (int o = 0; o < O; o++) t += y[((n * O + o) * OH + ys / s) * OW + vs / s] * w[((o * C + c) * kh + i) * kw + j];
                                sum += t;
                            }
                        }
                        out[((n * C + c) * H + h) * W + u] = bias == null ? sum : sum + bias[c];
                    }
                }
            }
        }
    }

    /** out[o, c, i, j] = Σ_{n, y, x} gy[n, o, y, x]·x[n, c, y·s − p + i, x·s − p + j], pixels outside the image skipped. */
    @Override public void conv2dWeight(double[] x, double[] gy, double[] out, ConvGeometry g) {
        int C = g.channels(), H = g.height(), W = g.width(), O = g.outChannels(), kh = g.kernelH(), kw = g.kernelW();
        int OH = g.outHeight(), OW = g.outWidth(), s = g.stride(), p = g.padding();
        for (int o = 0; o < O; o++) {
            for (int c = 0; c < C; c++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        double sum = 0;
                        for (int n = 0; n < g.batch(); n++) {
                            for (int y = 0; y < OH; y++) {
                                for (int v = 0; v < OW; v++) {
                                    int h = y * s - p + i, u = v * s - p + j;
                                    if (h >= 0 && h < H && u >= 0 && u < W) {
                                        sum += gy[((n * O + o) * OH + y) * OW + v] * x[((n * C + c) * H + h) * W + u];
                                    }
                                }
                            }
                        }
                        out[((o * C + c) * kh + i) * kw + j] = sum;
                    }
                }
            }
        }
    }

    // ---- fused

    @Override public void addBias(double[] c, double[] bias, int rows, int cols) {
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) c[r * cols + j] += bias[j];
    }

    @Override public void addBiasRelu(double[] c, double[] bias, int rows, int cols) {
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) c[r * cols + j] = relu(c[r * cols + j] + bias[j]);
    }

    @Override public void reluBackward(double[] g, double[] x, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = x[i] > 0 ? g[i] : 0.0;
    }

    @Override public void bceWithLogits(double[] logits, double[] targets, double[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = softplus(logits[i]) - logits[i] * targets[i];
    }

    @Override public void bceWithLogitsBackward(double[] g, double[] logits, double[] targets, double[] out, int n) {
        sigmoid(logits, out, n);
        for (int i = 0; i < n; i++) out[i] = g[i] * (out[i] - targets[i]);
    }

    /** The composition itself: the terms, then {@link #sumInto} along the rows. */
    @Override public void bceWithLogitsRowSums(double[] logits, double[] targets, double[] out, int rows, int cols) {
        double[] terms = Arena.doubles(rows * cols);
        bceWithLogits(logits, targets, terms, rows * cols);
        sumInto(terms, new int[] {rows, cols}, out, new int[] {1, 0});
    }

    /** The composition itself: g broadcast along the rows, then {@link #bceWithLogitsBackward}. */
    @Override public void bceWithLogitsRowSumsBackward(double[] g, double[] logits, double[] targets, double[] out, int rows, int cols) {
        double[] wide = Arena.doubles(rows * cols);
        copy(g, 0, new int[] {1, 0}, new int[] {rows, cols}, wide, 0, new int[] {cols, 1});
        bceWithLogitsBackward(wide, logits, targets, out, rows * cols);
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

    @Override public double sumOfSquares(double[] x, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[i] * x[i];
        return s;
    }

    @Override public void scale(double[] x, double c, int n) { for (int i = 0; i < n; i++) x[i] *= c; }

    // ---- optimiser updates

    @Override
    public void sgdUpdate(double[] p, double[] g, double[] buf, int n, double lr, double momentum, double dampening, double weightDecay,
                          boolean nesterov, boolean first) {
        for (int i = 0; i < n; i++) {
            double d = weightDecay != 0 ? g[i] + weightDecay * p[i] : g[i];
            if (momentum != 0) {
                buf[i] = flushSubnormal(first ? d : buf[i] * momentum + (1 - dampening) * d);
                d = nesterov ? d + momentum * buf[i] : buf[i];
            }
            p[i] = p[i] + (-lr) * d;
        }
    }

    @Override
    public void adamUpdate(double[] p, double[] g, double[] m, double[] v, int n, double lr, double beta1, double beta2, double eps,
                           double weightDecay, boolean decoupled, double biasCorrection1, double biasCorrection2Sqrt) {
        adamRange(p, g, m, v, 0, n, lr, beta1, beta2, eps, weightDecay, decoupled, biasCorrection1, biasCorrection2Sqrt);
    }

    /**
     * x, or the zero of its sign where |x| is below {@link Double#MIN_NORMAL} (a subnormal): the optimisers store their
     * moments flushed to zero, so a moment decaying towards zero (a dead unit's) reaches it instead of sitting in the
     * subnormal range, where round-to-nearest can keep it forever and every x86 instruction on it takes a microcode assist.
     */
    static double flushSubnormal(double x) {
        return Math.abs(x) < Double.MIN_NORMAL ? Math.copySign(0.0, x) : x;
    }

    /** {@link #adamUpdate} on the elements [lo, hi); moments flushed to zero below the smallest normal (see {@link #flushSubnormal}). */
    static void adamRange(double[] p, double[] g, double[] m, double[] v, int lo, int hi, double lr, double beta1, double beta2, double eps,
                          double weightDecay, boolean decoupled, double biasCorrection1, double biasCorrection2Sqrt) {
        double stepSize = lr / biasCorrection1;
        for (int i = lo; i < hi; i++) {
            double gi = g[i];
            if (decoupled) p[i] = p[i] * (1 - lr * weightDecay);
            else if (weightDecay != 0) gi = gi + weightDecay * p[i];
            m[i] = flushSubnormal(m[i] * beta1 + (1 - beta1) * gi);
            v[i] = flushSubnormal(v[i] * beta2 + (1 - beta2) * gi * gi);
            double denom = Math.sqrt(v[i]) / biasCorrection2Sqrt + eps;
            p[i] = p[i] + (-stepSize) * (m[i] / denom);
        }
    }

    // ---- the planar flow: element (k, i, n) of a [K·D, B] array at (kD + i)·B + n, of the codes [D, rows] at i·rows + j

    @Override public void planarFlow(double[] z0, double[] u, double[] w, double[] b, double[] out, double[] saved, boolean keepCodes, int rows, int batch,
                                     int d, int steps) {
        int kdb = steps * d * batch, kb = steps * batch, oM = kdb, oC = oM + kb, oWu = oC + kb, oWw = oWu + kb, oZ = oWw + kb;
        int oT = oZ + steps * d * rows;
        for (int kn = 0; kn < kb; kn++) {
            double wu = 0, ww = 0;
            for (int i = 0; i < d; i++) {
                int e = ((kn / batch) * d + i) * batch + kn % batch;
                wu += w[e] * u[e];
                ww += w[e] * w[e];
            }
            saved[oWu + kn] = wu;
            saved[oWw + kn] = ww;
        }
        double[] softplus = new double[kb];
        softplus(Arrays.copyOfRange(saved, oWu, oWu + kb), softplus, kb);
        for (int kn = 0; kn < kb; kn++) {
            saved[oM + kn] = softplus[kn] - 1;
            saved[oC + kn] = (saved[oM + kn] - saved[oWu + kn]) / saved[oWw + kn];
        }
        for (int e = 0; e < kdb; e++) saved[e] = u[e] + saved[oC + e / (d * batch) * batch + e % batch] * w[e];
        double[] z = new double[d * rows], a = new double[rows], t = new double[rows], logDet = new double[rows];
        for (int j = 0; j < rows; j++) for (int i = 0; i < d; i++) z[i * rows + j] = z0[j * d + i];
        for (int k = 0; k < steps; k++) {
            if (keepCodes) System.arraycopy(z, 0, saved, oZ + k * d * rows, d * rows);
            for (int j = 0; j < rows; j++) {
                double s = b[k * batch + j % batch];
                for (int i = 0; i < d; i++) s += w[(k * d + i) * batch + j % batch] * z[i * rows + j];
                a[j] = s;
            }
            tanh(a, t, rows);
            for (int j = 0; j < rows; j++) {
                for (int i = 0; i < d; i++) z[i * rows + j] += saved[(k * d + i) * batch + j % batch] * t[j];
                a[j] = (1 - t[j] * t[j]) * saved[oM + k * batch + j % batch];
            }
            log1p(a, a, rows);
            for (int j = 0; j < rows; j++) logDet[j] += a[j];
            if (keepCodes) System.arraycopy(t, 0, saved, oT + k * rows, rows);
        }
        for (int j = 0; j < rows; j++) {
            for (int i = 0; i < d; i++) out[j * (d + 1) + i] = z[i * rows + j];
            out[j * (d + 1) + d] = logDet[j];
        }
    }

    @Override public void planarFlowBackward(double[] g, double[] u, double[] w, double[] saved, double[] gz0, double[] gu, double[] gw,
                                             double[] gb, int rows, int batch, int d, int steps) {
        int kdb = steps * d * batch, kb = steps * batch, oM = kdb, oC = oM + kb, oWu = oC + kb, oWw = oWu + kb, oZ = oWw + kb;
        int oT = oZ + steps * d * rows;
        double[] gz = new double[d * rows], gl = new double[rows], gm = new double[kb], gc = new double[kb];
        for (int j = 0; j < rows; j++) {
            for (int i = 0; i < d; i++) gz[i * rows + j] = g[j * (d + 1) + i];
            gl[j] = g[j * (d + 1) + d];
        }
        Arrays.fill(gu, 0, kdb, 0);
        Arrays.fill(gw, 0, kdb, 0);
        Arrays.fill(gb, 0, kb, 0);
        for (int k = steps - 1; k >= 0; k--) {
            for (int j = 0; j < rows; j++) {
                int kn = k * batch + j % batch;
                double t = saved[oT + k * rows + j], h = 1 - t * t, m = saved[oM + kn], q = 1 + h * m;
                double ga = -2 * gl[j] * t * m / q;
                for (int i = 0; i < d; i++) ga += gz[i * rows + j] * saved[(k * d + i) * batch + j % batch];
                ga *= h;
                gm[kn] += gl[j] * h / q;
                gb[kn] += ga;
                for (int i = 0; i < d; i++) {
                    int e = (k * d + i) * batch + j % batch;
                    gu[e] += t * gz[i * rows + j]; // ∂û for now
                    gw[e] += ga * saved[oZ + (k * d + i) * rows + j];
                    gz[i * rows + j] += ga * w[e];
                }
            }
        }
        double[] sigmoid = new double[kb];
        sigmoid(Arrays.copyOfRange(saved, oWu, oWu + kb), sigmoid, kb);
        for (int e = 0; e < kdb; e++) gc[e / (d * batch) * batch + e % batch] += gu[e] * w[e];
        for (int e = 0; e < kdb; e++) {
            int kn = e / (d * batch) * batch + e % batch;
            double ww = saved[oWw + kn], c = saved[oC + kn];
            double gwu = (gm[kn] + gc[kn] / ww) * sigmoid[kn] - gc[kn] / ww, gww = -gc[kn] * c / ww;
            gw[e] += c * gu[e] + gwu * u[e] + 2 * gww * w[e];
            gu[e] += gwu * w[e];
        }
        for (int j = 0; j < rows; j++) for (int i = 0; i < d; i++) gz0[j * d + i] = gz[i * rows + j];
    }

}

package io.elbo.autodiff.backend;

import java.util.Arrays;

/**
 * float64 convolutions as matrix products on {@link Gemm64}, with the bits of {@link ReferenceKernels64}'s loops
 * ({@code KernelsTest}-style checks in {@code ConvKernelsTest}): the im2col form of {@link Conv32}, in which the
 * padded pixels are zeros that add nothing (x + (±0) = x, and a sum from +0 is never −0), and every product's
 * element is Gemm64's sum from 0 in order of k, as the reference loop's. The convolution sums over (c, i, j) in
 * order; the transposed convolution sums each kernel offset over o, then adds the offsets in order of (i, j) in
 * {@link #col2im}; the weight correlation is one product over the whole batch (depth N·OH·OW), summed in order of
 * (n, y, x). (With an infinite or NaN weight the zeros' products are NaN where the reference skips them.)
 */
final class Conv64 {
    private Conv64() {}

    private static final ThreadLocal<double[]> COLUMNS = ThreadLocal.withInitial(() -> new double[0]);
    private static final ThreadLocal<double[]> ROWS = ThreadLocal.withInitial(() -> new double[0]);

    private static double[] scratch(ThreadLocal<double[]> t, int n) {
        double[] a = t.get();
        if (a.length < n) t.set(a = new double[n]);
        return a;
    }

    static void conv2d(double[] x, double[] w, double[] bias, double[] out, ConvGeometry g) {
        int K = g.patch(), P = g.outPixels(), O = g.outChannels(), N = g.batch(), in = g.channels() * g.inPixels(), G = Conv32.group(g);
        for (int n0 = 0; n0 < N; n0 += G) {
            int images = Math.min(G, N - n0), len = images * P;
            double[] col = scratch(COLUMNS, K * len), rows = scratch(ROWS, O * len);
            for (int m = 0; m < images; m++) im2col(x, (n0 + m) * in, g, col, m * P, len);
            Gemm64.gemm(w, 0, false, col, 0, false, rows, 0, O, len, K);
            for (int m = 0; m < images; m++) {
                for (int o = 0; o < O; o++) {
                    int d = ((n0 + m) * O + o) * P;
                    System.arraycopy(rows, o * len + m * P, out, d, P);
                    if (bias != null) for (int e = d; e < d + P; e++) out[e] += bias[o];
                }
            }
        }
    }

    static void convTranspose2d(double[] y, double[] w, double[] bias, double[] out, ConvGeometry g) {
        int K = g.patch(), P = g.outPixels(), O = g.outChannels(), C = g.channels(), HW = g.inPixels(), N = g.batch(), G = Conv32.group(g);
        for (int n0 = 0; n0 < N; n0 += G) {
            int images = Math.min(G, N - n0), len = images * P;
            double[] col = scratch(COLUMNS, K * len), rows = scratch(ROWS, O * len);
            for (int m = 0; m < images; m++) {
                for (int o = 0; o < O; o++) System.arraycopy(y, ((n0 + m) * O + o) * P, rows, o * len + m * P, P);
            }
            Gemm64.gemm(w, 0, true, rows, 0, false, col, 0, K, len, O);
            for (int m = 0; m < images; m++) {
                int off = (n0 + m) * C * HW;
                col2im(col, m * P, len, g, out, off);
                if (bias != null) for (int c = 0; c < C; c++) for (int e = off + c * HW; e < off + (c + 1) * HW; e++) out[e] += bias[c];
            }
        }
    }

    static void conv2dWeight(double[] x, double[] gy, double[] out, ConvGeometry g) {
        int K = g.patch(), P = g.outPixels(), O = g.outChannels(), N = g.batch(), in = g.channels() * g.inPixels(), len = N * P;
        double[] col = scratch(COLUMNS, K * len), rows = scratch(ROWS, O * len);
        for (int n = 0; n < N; n++) {
            im2col(x, n * in, g, col, n * P, len);
            for (int o = 0; o < O; o++) System.arraycopy(gy, (n * O + o) * P, rows, o * len + n * P, P);
        }
        Gemm64.gemm(rows, 0, false, col, 0, true, out, 0, O, K, len);
    }

    /**
     * col[colOff + ((c·kh + i)·kw + j)·ld + y·OW + v] = x[xOff + (c·H + y·s − p + i)·W + v·s − p + j], or 0 where that
     * pixel is outside the image: one image's patches, one output pixel per column, rows of length ld.
     */
    static void im2col(double[] x, int xOff, ConvGeometry g, double[] col, int colOff, int ld) {
        int C = g.channels(), H = g.height(), W = g.width(), kh = g.kernelH(), kw = g.kernelW();
        int OH = g.outHeight(), OW = g.outWidth(), s = g.stride(), p = g.padding();
        for (int c = 0; c < C; c++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int row = colOff + ((c * kh + i) * kw + j) * ld, v0 = g.firstColumn(j), v1 = g.endColumn(j);
                    for (int y = 0; y < OH; y++) {
                        int d = row + y * OW, h = y * s - p + i;
                        if (h < 0 || h >= H) {
                            Arrays.fill(col, d, d + OW, 0.0);
                            continue;
                        }
                        int src = xOff + (c * H + h) * W - p + j;
                        Arrays.fill(col, d, d + v0, 0.0);
                        if (s == 1) System.arraycopy(x, src + v0, col, d + v0, v1 - v0);
                        else for (int v = v0; v < v1; v++) col[d + v] = x[src + v * s];
                        Arrays.fill(col, d + v1, d + OW, 0.0);
                    }
                }
            }
        }
    }

    /**
     * The inverse scatter of {@link #im2col}, from the columns [colOff, colOff + OH·OW) of rows of length ld: the image at
     * out[off] (C × H × W) set to 0, then each column value
     * added to the input pixel it was read from; a pixel's contributions are added in order of (i, j).
     */
    static void col2im(double[] col, int colOff, int ld, ConvGeometry g, double[] out, int off) {
        int C = g.channels(), H = g.height(), W = g.width(), kh = g.kernelH(), kw = g.kernelW();
        int OH = g.outHeight(), OW = g.outWidth(), s = g.stride(), p = g.padding();
        Arrays.fill(out, off, off + C * H * W, 0.0);
        for (int c = 0; c < C; c++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int row = colOff + ((c * kh + i) * kw + j) * ld, v0 = g.firstColumn(j), v1 = g.endColumn(j);
                    for (int y = 0; y < OH; y++) {
                        int h = y * s - p + i;
                        if (h < 0 || h >= H) continue;
                        int d = off + (c * H + h) * W - p + j, src = row + y * OW;
                        for (int v = v0; v < v1; v++) out[d + v * s] += col[src + v];
                    }
                }
            }
        }
    }
}

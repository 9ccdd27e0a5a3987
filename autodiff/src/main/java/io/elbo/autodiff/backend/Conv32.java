package io.elbo.autodiff.backend;

import java.util.Arrays;

/**
 * float32 convolutions as matrix products on {@link Gemm32}, the way Caffe and PyTorch's CPU path compute
 * them. For each image, {@link #im2col} lays the input patches out as the columns of a K × P matrix (K =
 * C·kh·kw, one row per input channel and kernel offset; P = OH·OW, one column per output pixel), so that
 * <ul>
 *   <li>the convolution is the product w [O × K] · col [K × P];
 *   <li>the transposed convolution is col = wᵀ · y [K × P], then {@link #col2im} adds each column's values
 *       back to the input pixels the patch came from;
 *   <li>the weight correlation is Σ_n gy[n] [O × P] · col[n]ᵀ, a product with the images' pixels as its depth.
 * </ul>
 *
 * <p><b>The same bits for any thread count and vector width.</b> Images are split among threads (or, when
 * there are fewer images than threads, each image's product is), and every element is computed by the same
 * operations whichever thread computes it: a Gemm32 FMA chain over K in order, then the bias added; col2im
 * adds an input pixel's contributions in order of the kernel offset. The weight correlation sums over the
 * batch in fixed chunks of {@value #CHUNK} images (not per thread): each chunk is one FMA chain per element,
 * over its images and pixels in order, and the chunks' sums are added in order. im2col buffers are kept per
 * thread and reused, as Gemm32's packing buffers are.
 */
final class Conv32 {
    private Conv32() {}

    /** Images per partial sum of the weight correlation: fixed, so the order of its sums never depends on the thread count. */
    static final int CHUNK = 16;
    /** Each thread's im2col matrix. */
    private static final ThreadLocal<float[]> COLUMNS = ThreadLocal.withInitial(() -> new float[0]);
    /** The calling thread's weight-correlation sums of the chunks after the first. */
    private static final ThreadLocal<float[]> PARTIALS = ThreadLocal.withInitial(() -> new float[0]);
    /** Each thread's output gradients of a chunk, laid out as O × (images·P). */
    private static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] scratch(ThreadLocal<float[]> t, int n) {
        float[] a = t.get();
        if (a.length < n) t.set(a = new float[n]);
        return a;
    }

    /** A body run for part i, told whether it may share its product among threads (it may when the parts run one after another). */
    private interface Part { void run(int i, boolean share); }

    /** Runs the parts among threads when there is enough work for each, else one after another, each product shared. */
    private static void forEachPart(int parts, long multiplyAdds, Part body) {
        if (parts > 1 && Threads.count() > 1 && multiplyAdds >= Gemm32.PARALLEL_MIN) {
            Threads.forEach(parts, i -> body.run(i, false));
        } else {
            for (int i = 0; i < parts; i++) body.run(i, true);
        }
    }

    /** Output pixels per product at least: images are taken in groups wide enough to fill the GEMM's panels (7 × 7 outputs alone leave most of a 24-wide panel's last lanes idle). */
    static final int COLUMNS_MIN = 256;

    /** Images per product: enough for {@value #COLUMNS_MIN} output pixels. The grouping changes no bits: each element is one chain over K whatever the product's width. */
    static int group(ConvGeometry g) {
        return Math.max(1, Math.min(g.batch(), (COLUMNS_MIN + g.outPixels() - 1) / Math.max(1, g.outPixels())));
    }

    static void conv2d(float[] x, float[] w, float[] bias, float[] out, ConvGeometry g) {
        int K = g.patch(), P = g.outPixels(), O = g.outChannels(), N = g.batch(), in = g.channels() * g.inPixels(), G = group(g);
        forEachPart((N + G - 1) / G, g.multiplyAdds(), (q, share) -> {
            int n0 = q * G, images = Math.min(G, N - n0), len = images * P;
            float[] col = scratch(COLUMNS, K * len);
            for (int m = 0; m < images; m++) im2col(x, (n0 + m) * in, g, col, m * P, len);
            if (images == 1) {
                Gemm32.gemm(Gemm32.params(O, P, K), share, w, 0, false, col, 0, false, out, n0 * O * P, O, P, K);
            } else { // out[n0 + m, o, :] = row o of the product, columns [m·P, (m + 1)·P)
                float[] rows = scratch(ROWS, O * len);
                Gemm32.gemm(Gemm32.params(O, len, K), share, w, 0, false, col, 0, false, rows, 0, O, len, K);
                for (int m = 0; m < images; m++) {
                    for (int o = 0; o < O; o++) System.arraycopy(rows, o * len + m * P, out, ((n0 + m) * O + o) * P, P);
                }
            }
            if (bias != null) for (int m = 0; m < images; m++) addBias(out, (n0 + m) * O * P, bias, O, P);
        });
    }

    static void convTranspose2d(float[] y, float[] w, float[] bias, float[] out, ConvGeometry g) {
        int K = g.patch(), P = g.outPixels(), O = g.outChannels(), C = g.channels(), HW = g.inPixels(), N = g.batch(), G = group(g);
        forEachPart((N + G - 1) / G, g.multiplyAdds(), (q, share) -> {
            int n0 = q * G, images = Math.min(G, N - n0), len = images * P;
            float[] col = scratch(COLUMNS, K * len), rows = y;
            int rowsOff = n0 * O * P;
            if (images > 1) { // the group's y[n] [O × P] side by side: [O × images·P]
                rows = scratch(ROWS, O * len);
                rowsOff = 0;
                for (int m = 0; m < images; m++) {
                    for (int o = 0; o < O; o++) System.arraycopy(y, ((n0 + m) * O + o) * P, rows, o * len + m * P, P);
                }
            }
            Gemm32.gemm(Gemm32.params(K, len, O), share, w, 0, true, rows, rowsOff, false, col, 0, K, len, O);
            for (int m = 0; m < images; m++) {
                col2im(col, m * P, len, g, out, (n0 + m) * C * HW);
                if (bias != null) addBias(out, (n0 + m) * C * HW, bias, C, HW);
            }
        });
    }

    static void conv2dWeight(float[] x, float[] gy, float[] out, ConvGeometry g) {
        int K = g.patch(), P = g.outPixels(), O = g.outChannels(), N = g.batch(), in = g.channels() * g.inPixels();
        int chunks = (N + CHUNK - 1) / CHUNK;
        if (chunks == 0) {
            Arrays.fill(out, 0, O * K, 0f);
            return;
        }
        float[] partial = scratch(PARTIALS, (chunks - 1) * O * K); // chunk c > 0 at (c − 1)·O·K; chunk 0 in out
        forEachPart(chunks, g.multiplyAdds(), (c, share) -> {
            int n0 = c * CHUNK, images = Math.min(CHUNK, N - n0), len = images * P;
            float[] col = scratch(COLUMNS, K * len), rows = scratch(ROWS, O * len);
            for (int m = 0; m < images; m++) {
                im2col(x, (n0 + m) * in, g, col, m * P, len);
                for (int o = 0; o < O; o++) System.arraycopy(gy, ((n0 + m) * O + o) * P, rows, o * len + m * P, P);
            }
            Gemm32.gemm(Gemm32.params(O, K, len), share, rows, 0, false, col, 0, true, c == 0 ? out : partial,
                    c == 0 ? 0 : (c - 1) * O * K, O, K, len);
        });
        for (int c = 1; c < chunks; c++) {
            int off = (c - 1) * O * K;
            for (int e = 0; e < O * K; e++) out[e] += partial[off + e];
        }
    }

    /** out[off + r·cols + j] += bias[r] for r &lt; rows, j &lt; cols: a bias per channel, added after the sum. */
    private static void addBias(float[] out, int off, float[] bias, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            float b = bias[r];
            for (int j = off + r * cols, end = j + cols; j < end; j++) out[j] += b;
        }
    }

    /**
     * col[colOff + ((c·kh + i)·kw + j)·ld + y·OW + v] = x[xOff + (c·H + y·s − p + i)·W + v·s − p + j], or 0 where that
     * pixel is outside the image: one image's patches, one output pixel per column, rows of length ld.
     */
    static void im2col(float[] x, int xOff, ConvGeometry g, float[] col, int colOff, int ld) {
        int C = g.channels(), H = g.height(), W = g.width(), kh = g.kernelH(), kw = g.kernelW();
        int OH = g.outHeight(), OW = g.outWidth(), s = g.stride(), p = g.padding();
        for (int c = 0; c < C; c++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int row = colOff + ((c * kh + i) * kw + j) * ld, v0 = g.firstColumn(j), v1 = g.endColumn(j);
                    for (int y = 0; y < OH; y++) {
                        int d = row + y * OW, h = y * s - p + i;
                        if (h < 0 || h >= H) {
                            for (int v = 0; v < OW; v++) col[d + v] = 0f;
                            continue;
                        }
                        // rows are short (7 to 28 values) and their padded ends a value or two: plain loops, no calls
                        int src = xOff + (c * H + h) * W - p + j;
                        for (int v = 0; v < v0; v++) col[d + v] = 0f;
                        if (s == 1) for (int v = v0; v < v1; v++) col[d + v] = x[src + v];
                        else for (int v = v0; v < v1; v++) col[d + v] = x[src + v * s];
                        for (int v = v1; v < OW; v++) col[d + v] = 0f;
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
    static void col2im(float[] col, int colOff, int ld, ConvGeometry g, float[] out, int off) {
        int C = g.channels(), H = g.height(), W = g.width(), kh = g.kernelH(), kw = g.kernelW();
        int OH = g.outHeight(), OW = g.outWidth(), s = g.stride(), p = g.padding();
        Arrays.fill(out, off, off + C * H * W, 0f);
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

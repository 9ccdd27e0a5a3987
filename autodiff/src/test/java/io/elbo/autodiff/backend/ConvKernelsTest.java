package io.elbo.autodiff.backend;

import static io.elbo.autodiff.backend.Float32Checks.U;
import static io.elbo.autodiff.backend.Float32Checks.random;
import static io.elbo.autodiff.backend.Float32Checks.widen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The float32 convolutions (im2col, col2im and Gemm32) against the float64 reference loops on the same inputs
 * widened, at odd sizes, strides 1–3, paddings 0–2 and rectangular kernels, with the bound of a sum of K
 * products (2·K·u·Σ|terms|); and the same bits on 1, 2 and 3 threads, at a batch large enough to be split
 * (the weight correlation over more than one chunk of images). The parallel float64 kernels give the reference's
 * bits.
 */
class ConvKernelsTest {
    static final Kernels<float[]> F32 = Backend.float32();
    static final Kernels<double[]> F64 = ReferenceKernels64.INSTANCE;
    /** The parallel float64 kernels, which must give the reference's bits. */
    static final Kernels<double[]> PAR = new ParallelKernels64();

    /** Geometries from n (an odd size): batch, channels, size, out channels, kernel, stride, padding. */
    static ConvGeometry[] geometries(int n) {
        return new ConvGeometry[] {
            ConvGeometry.of(2, 3, n + 2, n + 4, 5, 3, 3, 1, 1),
            ConvGeometry.of(3, 1, n + 4, n + 2, 7, 3, 3, 2, 1),
            ConvGeometry.of(1, 5, n + 1, n + 3, 3, 2, 3, 2, 0),
            ConvGeometry.of(2, 2, n + 3, n + 3, 3, 1, 1, 1, 0),
            ConvGeometry.of(2, 3, n + 1, n, 2, 3, 1, 3, 2),
            ConvGeometry.of(17, 2, n, n + 2, 3, 1, 3, 2, 2),
        };
    }

    static void assertClose(String what, double[] ref, float[] got, double bound) {
        for (int i = 0; i < ref.length; i++) {
            if (!(Math.abs(ref[i] - got[i]) <= bound)) fail(what + " at " + i + ": float32 " + got[i] + ", float64 " + ref[i] + ", bound " + bound);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 13, 31})
    void float32ConvolutionsMatchTheFloat64Reference(int n) {
        for (ConvGeometry g : geometries(n)) {
            Random r = new Random(n * 7919L + g.hashCode());
            int xs = g.batch() * g.channels() * g.inPixels(), ys = g.batch() * g.outChannels() * g.outPixels(), ws = g.outChannels() * g.patch();
            float[] x = random(r, xs, -1, 1), y = random(r, ys, -1, 1), w = random(r, ws, -1, 1);
            float[] bo = random(r, g.outChannels(), -1, 1), bc = random(r, g.channels(), -1, 1);
            // |x|, |w|, |y|, |b| ≤ 1: a forward element sums at most K products, a transposed one at most O·kh·kw, a weight element N·P
            double forward = 2 * (g.patch() + 1) * U * (g.patch() + 1) + 1e-6;
            double transposed = 2 * (g.outChannels() * g.kernelH() * g.kernelW() + 1) * U * (g.outChannels() * g.kernelH() * g.kernelW() + 1) + 1e-6;
            double weight = 2 * (g.batch() * g.outPixels()) * U * (g.batch() * g.outPixels()) + 1e-6;

            float[] out32 = new float[ys];
            double[] out64 = new double[ys];
            F32.conv2d(x, w, bo, out32, g);
            F64.conv2d(widen(x), widen(w), widen(bo), out64, g);
            assertClose("conv2d " + g, out64, out32, forward);
            F32.conv2d(x, w, null, out32, g);
            F64.conv2d(widen(x), widen(w), null, out64, g);
            assertClose("conv2d without bias " + g, out64, out32, forward);

            float[] in32 = new float[xs];
            double[] in64 = new double[xs];
            F32.convTranspose2d(y, w, bc, in32, g);
            F64.convTranspose2d(widen(y), widen(w), widen(bc), in64, g);
            assertClose("convTranspose2d " + g, in64, in32, transposed);

            float[] w32 = new float[ws];
            double[] w64 = new double[ws];
            F32.conv2dWeight(x, y, w32, g);
            F64.conv2dWeight(widen(x), widen(y), w64, g);
            assertClose("conv2dWeight " + g, w64, w32, weight);
        }
    }

    /** The float64 convolutions on im2col and Gemm64 give the reference loops' bits, on one thread and on two, with full 53-bit inputs. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 13})
    void parallelFloat64ConvolutionsGiveTheReferencesBits(int n) {
        int before = Threads.count();
        try {
            for (ConvGeometry g : geometries(n)) {
                Random r = new Random(n * 31L + g.hashCode());
                int xs = g.batch() * g.channels() * g.inPixels(), ys = g.batch() * g.outChannels() * g.outPixels(), ws = g.outChannels() * g.patch();
                double[] x = r.doubles(xs, -1, 1).toArray(), y = r.doubles(ys, -1, 1).toArray(), w = r.doubles(ws, -1, 1).toArray();
                double[] bo = r.doubles(g.outChannels(), -1, 1).toArray(), bc = r.doubles(g.channels(), -1, 1).toArray();
                double[][] ref = {new double[ys], new double[xs], new double[ws]};
                F64.conv2d(x, w, bo, ref[0], g);
                F64.convTranspose2d(y, w, bc, ref[1], g);
                F64.conv2dWeight(x, y, ref[2], g);
                for (int threads = 1; threads <= 2; threads++) {
                    Threads.set(threads);
                    double[][] got = {new double[ys], new double[xs], new double[ws]};
                    PAR.conv2d(x, w, bo, got[0], g);
                    PAR.convTranspose2d(y, w, bc, got[1], g);
                    PAR.conv2dWeight(x, y, got[2], g);
                    for (int k = 0; k < 3; k++) assertArrayEquals(ref[k], got[k], "float64 kernel " + k + " on " + threads + " threads, " + g);
                }
            }
        } finally {
            Threads.set(before);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 15})
    void float32ConvolutionsGiveTheSameBitsOnOneTwoAndThreeThreads(int n) {
        int before = Threads.count();
        try {
            for (ConvGeometry small : geometries(n)) {
                ConvGeometry g = new ConvGeometry(37, small.channels(), small.height(), small.width(), small.outChannels(), small.kernelH(),
                        small.kernelW(), small.stride(), small.padding(), small.outHeight(), small.outWidth());
                Random r = new Random(n);
                int xs = g.batch() * g.channels() * g.inPixels(), ys = g.batch() * g.outChannels() * g.outPixels(), ws = g.outChannels() * g.patch();
                float[] x = random(r, xs, -1, 1), y = random(r, ys, -1, 1), w = random(r, ws, -1, 1), b = random(r, g.outChannels() + g.channels(), -1, 1);
                float[][] one = null;
                for (int threads = 1; threads <= 3; threads++) {
                    Threads.set(threads);
                    float[][] got = {new float[ys], new float[xs], new float[ws]};
                    F32.conv2d(x, w, b, got[0], g);
                    F32.convTranspose2d(y, w, java.util.Arrays.copyOfRange(b, 0, g.channels()), got[1], g);
                    F32.conv2dWeight(x, y, got[2], g);
                    if (one == null) one = got;
                    for (int k = 0; k < 3; k++) assertArrayEquals(one[k], got[k], "kernel " + k + " on " + threads + " threads, " + g);
                }
            }
        } finally {
            Threads.set(before);
        }
    }
    /**
     * im2col is its definition, exactly: col[((c·kh + i)·kw + j)·ld + y·OW + v] = x[(c·H + y·s − p + i)·W + v·s − p + j],
     * or 0 outside the image, for kernels 1 to 4 wide and 1 to 3 high, strides 1 to 3, paddings 0 to 2 and images 1 to 9 on a side, written at an offset into rows
     * longer than one image's.
     */
    @org.junit.jupiter.api.Test
    void im2colIsItsDefinitionForEveryKernelWidthStrideAndPadding() {
        Random r = new Random(5);
        int checked = 0;
        for (int kw = 1; kw <= 4; kw++) for (int kh = 1; kh <= 3; kh++) for (int s = 1; s <= 3; s++) for (int p = 0; p <= 2; p++) {
            for (int h = 1; h <= 9; h += 2) for (int w = 1; w <= 9; w += 4) {
                if (h + 2 * p < kh || w + 2 * p < kw) continue;
                ConvGeometry g = ConvGeometry.of(1, 2, h, w, 1, kh, kw, s, p);
                int P = g.outPixels(), K = g.patch(), ld = P + 3, off = 2;
                float[] x = random(r, 2 * h * w + 1, -1, 1), col = new float[off + K * ld];
                java.util.Arrays.fill(col, Float.NaN);
                Conv32.im2col(x, 1, g, col, off, ld);
                for (int c = 0; c < 2; c++) for (int i = 0; i < kh; i++) for (int j = 0; j < kw; j++) {
                    for (int y = 0; y < g.outHeight(); y++) for (int v = 0; v < g.outWidth(); v++) {
                        int hh = y * s - p + i, ww = v * s - p + j;
                        float want = hh < 0 || hh >= h || ww < 0 || ww >= w ? 0f : x[1 + (c * h + hh) * w + ww];
                        float got = col[off + ((c * kh + i) * kw + j) * ld + y * g.outWidth() + v];
                        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got)) {
                            fail("im2col " + g + " at c=" + c + " i=" + i + " j=" + j + " y=" + y + " v=" + v + ": " + got + ", want " + want);
                        }
                        checked++;
                    }
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(checked > 10_000, "values checked: " + checked);
    }
}

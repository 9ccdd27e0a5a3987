package io.elbo.autodiff.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every float32 reduction is a function of the data alone: the 16 partial sums of
 * {@link VectorMath#V} (element i in partial i mod 16) combined by {@link VectorMath#tree16}, then the
 * last n mod 16 terms in order, written here as scalar loops; the kernels give these bits at whatever
 * lane count this JVM runs (VectorWidthTest runs them at 4, 8 and 16 lanes in child JVMs).
 */
class VirtualWidthProperties {
    static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * Math.exp(3 * r.nextGaussian()));
        return x;
    }

    static float sum16(float[] x, int off, int n) {
        float[] p = new float[16];
        int whole = n - n % 16;
        for (int i = 0; i < whole; i++) p[i % 16] += x[off + i];
        float s = VectorMath.tree16(p, 0);
        for (int i = whole; i < n; i++) s += x[off + i];
        return s;
    }

    static float dot16(float[] a, int ai, float[] b, int bj, int k) {
        float[] p = new float[16];
        int whole = k - k % 16;
        for (int i = 0; i < whole; i++) p[i % 16] = Math.fma(a[ai + i], b[bj + i], p[i % 16]);
        float s = VectorMath.tree16(p, 0);
        for (int i = whole; i < k; i++) s = Math.fma(a[ai + i], b[bj + i], s);
        return s;
    }

    @Property(tries = 200)
    void aSumIsItsSixteenPartialSumsInTheFixedTree(@ForAll @IntRange(min = 0, max = 3000) int n, @ForAll @IntRange(min = 0, max = 7) int off) {
        float[] x = random(new Random(n * 31L + off), off + n);
        assertEquals(Float.floatToRawIntBits(sum16(x, off, n)), Float.floatToRawIntBits(VectorKernels32.sum(x, off, n)), "n = " + n);
    }

    @Property(tries = 100)
    void aSumOfSquaresIsItsSixteenFmaChainsFlushedEvery16384Elements(@ForAll @IntRange(min = 0, max = 40000) int n) {
        float[] x = random(new Random(n), n);
        double s = 0;
        float[] p = new float[16];
        int whole = n - n % 16;
        for (int i = 0; i < whole; i++) {
            p[i % 16] = Math.fma(x[i], x[i], p[i % 16]);
            if (i % 16384 == 16383) {
                s += VectorMath.tree16(p, 0);
                p = new float[16];
            }
        }
        s += VectorMath.tree16(p, 0);
        for (int i = whole; i < n; i++) s += (double) x[i] * x[i];
        assertEquals(Double.doubleToRawLongBits(s), Double.doubleToRawLongBits(new VectorKernels32().sumOfSquares(x, n)), "n = " + n);
    }

    /** A narrow A·Bᵀ (at most 2L columns: dot products of rows) element by element, in 4 × 4 blocks and at the edges. */
    @Property(tries = 100)
    void aNarrowABtElementIsItsSixteenFmaChainsInTheFixedTree(@ForAll @IntRange(min = 1, max = 13) int m, @ForAll @IntRange(min = 1, max = 8) int n,
                                                             @ForAll @IntRange(min = 1, max = 300) int k) {
        Random r = new Random(m * 1009L + n * 31L + k);
        float[] a = random(r, m * k), b = random(r, n * k), c = new float[m * n];
        Gemm32.gemm(a, 0, false, b, 0, true, c, 0, m, n, k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(Float.floatToRawIntBits(dot16(a, i * k, b, j * k, k)), Float.floatToRawIntBits(c[i * n + j]),
                        m + "×" + n + "×" + k + ": C[" + i + "," + j + "]");
            }
        }
    }

    /** tree16 on 16 lanes is what sumLanes computes where vectors have 16 lanes, and the vector form agrees with the scalar one at any width. */
    @Property(tries = 50)
    void theVectorTreeIsTheScalarTree(@ForAll @IntRange(min = 0, max = 1000) int seed) {
        float[] p = random(new Random(seed), 16);
        int l = VectorKernels32.L;
        if (l != 16 && l != 8 && l != 4) return;
        var s = VectorKernels32.S;
        jdk.incubator.vector.FloatVector z = jdk.incubator.vector.FloatVector.zero(s);
        jdk.incubator.vector.FloatVector a0 = jdk.incubator.vector.FloatVector.fromArray(s, p, 0);
        jdk.incubator.vector.FloatVector a1 = l < 16 ? jdk.incubator.vector.FloatVector.fromArray(s, p, l) : z;
        jdk.incubator.vector.FloatVector a2 = l < 8 ? jdk.incubator.vector.FloatVector.fromArray(s, p, 2 * l) : z;
        jdk.incubator.vector.FloatVector a3 = l < 8 ? jdk.incubator.vector.FloatVector.fromArray(s, p, 3 * l) : z;
        assertEquals(Float.floatToRawIntBits(VectorMath.tree16(p, 0)), Float.floatToRawIntBits(VectorMath.tree16(a0, a1, a2, a3)));
    }
}

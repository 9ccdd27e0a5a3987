package io.elbo.autodiff.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The float32 GEMM ({@link Gemm32}) against the float64 reference at any shape, layout and offset, and
 * bit for bit the same whatever the number of threads.
 */
class GemmProperties {
    static final double U = Math.ulp(1.0f) / 2;

    @AfterEach
    void restoreThreads() {
        Threads.set(Runtime.getRuntime().availableProcessors());
    }

    static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (2 * r.nextDouble() - 1);
        return x;
    }

    /**
     * |C32 − C64| ≤ (k + 2)·u·Σ_p |A[i,p]|·|B[p,j]| elementwise: the classical bound of a k-term dot product
     * in float32 with unit roundoff u, against the exact (float64) product of the same float32 inputs.
     */
    static void assertWithinDotProductBound(float[] a, int aOff, boolean ta, float[] b, int bOff, boolean tb, float[] c, int cOff,
                                            int m, int n, int k, String what) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[aOff + p * m + i] : a[aOff + i * k + p];
                    double y = tb ? b[bOff + j * k + p] : b[bOff + p * n + j];
                    exact += x * y;
                    abs += Math.abs(x * y);
                }
                double got = c[cOff + i * n + j];
                if (Math.abs(got - exact) > (k + 2) * U * abs + 1e-30) {
                    fail(what + ": C[" + i + "," + j + "] = " + got + ", float64 " + exact + ", bound " + (k + 2) * U * abs);
                }
            }
        }
    }

    @Property(tries = 150)
    void everyShapeLayoutAndOffsetAgreesWithTheFloat64Product(@ForAll @IntRange(min = 1, max = 70) int m,
                                                              @ForAll @IntRange(min = 1, max = 150) int n,
                                                              @ForAll @IntRange(min = 1, max = 90) int k,
                                                              @ForAll boolean transA, @ForAll boolean transB,
                                                              @ForAll @IntRange(min = 0, max = 5) int offset) {
        Random r = new Random(m * 1_000_003L + n * 1009L + k);
        float[] a = random(r, offset + m * k), b = random(r, offset + 2 + k * n);
        float[] c = new float[offset + m * n + 1];
        c[c.length - 1] = 42f;
        Gemm32.gemm(a, offset, transA, b, offset + 2, transB, c, offset, m, n, k);
        assertWithinDotProductBound(a, offset, transA, b, offset + 2, transB, c, offset, m, n, k,
                m + "×" + k + (transA ? "ᵀ" : "") + " · " + k + "×" + n + (transB ? "ᵀ" : ""));
        if (c[c.length - 1] != 42f) fail("wrote past C");
    }

    /**
     * Every element of a (not narrow A·Bᵀ) product is the one FMA chain over k in order,
     * C[i,j] = fma(A[i,k−1], B[k−1,j], ... fma(A[i,0], B[0,j], 0)), bit for bit, whichever {@link Gemm32.Tile}
     * computes it (every tile, candidate or not), with A and B read in place or both packed, with depth blocks
     * of any size (one or several per product) and edges in both directions.
     */
    @Property(tries = 120)
    void everyElementIsTheInOrderFmaChainWhicheverTileComputesIt(@ForAll @IntRange(min = 1, max = 40) int m,
                                                                 @ForAll @IntRange(min = 1, max = 140) int n,
                                                                 @ForAll @IntRange(min = 1, max = 300) int k,
                                                                 @ForAll boolean transA, @ForAll Gemm32.Tile tile,
                                                                 @ForAll @IntRange(min = 1, max = 400) int depthBlock, @ForAll boolean packed) {
        boolean transB = n > Gemm32.NARROW && (m + n) % 2 == 0; // Bᵀ only where the tiles compute it
        Random r = new Random(m * 65537L + n * 257L + k);
        float[] a = random(r, m * k), b = random(r, k * n), c = new float[m * n];
        Gemm32.gemm(tile, depthBlock, packed, a, 0, transA, b, 0, transB, c, 0, m, n, k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float chain = 0f;
                for (int p = 0; p < k; p++) {
                    chain = Math.fma(transA ? a[p * m + i] : a[i * k + p], transB ? b[j * k + p] : b[p * n + j], chain);
                }
                if (Float.floatToRawIntBits(chain) != Float.floatToRawIntBits(c[i * n + j])) {
                    fail("tile " + tile + (packed ? " packed" : " in place") + ", depth blocks ≤ " + depthBlock + ", " + m + "×" + n + "×" + k + (transA ? " Aᵀ" : "") + (transB ? " Bᵀ" : "")
                            + ": C[" + i + "," + j + "] = " + c[i * n + j] + ", the FMA chain gives " + chain);
                }
            }
        }
    }

    /**
     * Every tile, with A and B in place and both packed, in each of the three layouts, at odd shapes with
     * edges in both directions and several depth blocks: the in-order FMA chain, bit for bit.
     */
    @Test
    void everyTileAndPackingGivesTheFmaChainAtOddShapesInEveryLayout() {
        int[][] shapes = {{13, 50, 37}, {29, 97, 300}, {8, 24, 9}, {41, 130, 17}, {77, 20, 45}, {40, 31, 8}, {67, 90, 70}};
        for (Gemm32.Tile tile : Gemm32.Tile.values()) {
            for (boolean packed : new boolean[] {false, true}) {
                for (int[] s : shapes) {
                    int m = s[0], n = s[1], k = s[2];
                    Random r = new Random(m * 31L + n * 7L + k);
                    float[] a = random(r, m * k), b = random(r, k * n);
                    for (int layout = 0; layout < 3; layout++) {
                        boolean ta = layout == 2, tb = layout == 1;
                        float[] c = new float[m * n];
                        Gemm32.gemm(tile, 64, packed, a, 0, ta, b, 0, tb, c, 0, m, n, k);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                float chain = 0f;
                                for (int p = 0; p < k; p++) chain = Math.fma(ta ? a[p * m + i] : a[i * k + p], tb ? b[j * k + p] : b[p * n + j], chain);
                                if (tb && n <= Gemm32.NARROW) continue; // the narrow A·Bᵀ: dot products, another fixed order
                                if (Float.floatToRawIntBits(chain) != Float.floatToRawIntBits(c[i * n + j])) {
                                    fail("tile " + tile + (packed ? " packed" : " in place") + ", " + m + "×" + n + "×" + k + " layout " + layout
                                            + ": C[" + i + "," + j + "] = " + c[i * n + j] + ", the FMA chain gives " + chain);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void resultsAreBitIdenticalFor1_2And3Threads_atPanelEdgesAndAboveTheParallelThreshold() {
        int[][] shapes = {{130, 401, 785}, {128, 784, 400}, {128, 400, 784}, {97, 49, 300}, {5, 1000, 333}, {400, 20, 128}, {128, 20, 400}, {33, 5, 4001}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            Random r = new Random(m + n + k);
            float[] a = random(r, m * k), b = random(r, k * n);
            for (int layout = 0; layout < 4; layout++) {
                boolean ta = (layout & 1) != 0, tb = (layout & 2) != 0;
                float[] one = null;
                for (int t = 1; t <= 3; t++) {
                    Threads.set(t);
                    float[] c = new float[m * n];
                    Gemm32.gemm(a, 0, ta, b, 0, tb, c, 0, m, n, k);
                    if (one == null) {
                        one = c;
                        assertWithinDotProductBound(a, 0, ta, b, 0, tb, c, 0, m, n, k, "large " + m + "×" + n + "×" + k);
                    } else {
                        assertArrayEquals(one, c, "threads " + t + " vs 1, " + m + "×" + n + "×" + k + " layout " + layout);
                    }
                }
            }
        }
    }

    /**
     * A row of C = A·Bᵀ does not depend on the other rows of A: the same bits whether the rows are
     * multiplied together (the narrow dot-product path's 4 × 4 blocks and pairwise lane sums) or one
     * at a time (its single dot products). Checked at odd widths and depths around the lane count.
     */
    @Property(tries = 60)
    void aNarrowABtRowIsTheSameComputedWithItsBatchOrAlone(@ForAll @IntRange(min = 1, max = 33) int m,
                                                            @ForAll @IntRange(min = 1, max = 32) int n,
                                                            @ForAll @IntRange(min = 1, max = 300) int k) {
        Random r = new Random(m * 7919L + n * 31L + k);
        float[] a = random(r, m * k), b = random(r, n * k);
        float[] whole = new float[m * n];
        Gemm32.gemm(a, 0, false, b, 0, true, whole, 0, m, n, k);
        assertWithinDotProductBound(a, 0, false, b, 0, true, whole, 0, m, n, k, "narrow " + m + "×" + n + "×" + k);
        for (int i = 0; i < m; i++) {
            float[] row = new float[n];
            Gemm32.gemm(a, i * k, false, b, 0, true, row, 0, 1, n, k);
            for (int j = 0; j < n; j++) {
                if (Float.floatToRawIntBits(row[j]) != Float.floatToRawIntBits(whole[i * n + j])) {
                    fail(m + "×" + n + "×" + k + ": C[" + i + "," + j + "] = " + whole[i * n + j] + " in the batch, " + row[j] + " alone");
                }
            }
        }
    }

    /**
     * The sizes where a tile's edges fall: one below, at and one above each multiple that matters on this
     * machine and on the others (tile rows 4, 5, 6, 8 and their doubles; tile columns of 1 to 4 vectors of
     * L lanes and of 8 and 16 lanes; the narrow thresholds 16 and 32; the thin threshold 64), and 1 to 3.
     */
    @Provide
    Arbitrary<Integer> tileEdges() {
        TreeSet<Integer> edges = new TreeSet<>(java.util.List.of(1, 2, 3));
        int[] multiples = {4, 5, 6, 8, 10, 12, 16, 24, 32, 48, 64, Gemm32.L, 2 * Gemm32.L, 3 * Gemm32.L, 4 * Gemm32.L, Gemm32.NARROW, 32, Gemm32.THIN};
        for (int e : multiples) for (int d = -1; d <= 1; d++) edges.add(e + d);
        return Arbitraries.of(edges);
    }

    /**
     * Around every tile, lane and threshold edge (m, n and k each one below, at or one above a tile's rows,
     * a tile's columns in lanes, the narrow and thin thresholds): in every layout, with every tile, A and B
     * in place or packed, and depth blocks one short of k, exactly k, one more, or 8, every element is within
     * the float64 product's dot-product bound and, but for a narrow A·Bᵀ (dot products in their own fixed
     * order), is the in-order FMA chain bit for bit.
     */
    @Property(tries = 120)
    void aroundEveryTileLaneAndThresholdEdgeEveryElementIsTheFmaChainWithinTheFloat64Bound(@ForAll("tileEdges") int m,
            @ForAll("tileEdges") int n, @ForAll("tileEdges") int k, @ForAll boolean transA, @ForAll boolean transB, @ForAll Gemm32.Tile tile,
            @ForAll boolean packed, @ForAll @IntRange(min = 0, max = 3) int depth) {
        int depthBlock = depth == 3 ? 8 : Math.max(1, k - 1 + depth);
        Random r = new Random(m * 1_000_003L + n * 1009L + k);
        float[] a = random(r, m * k), b = random(r, k * n), c = new float[m * n + 1];
        c[m * n] = 42f;
        Gemm32.gemm(tile, depthBlock, packed, a, 0, transA, b, 0, transB, c, 0, m, n, k);
        String what = "tile " + tile + (packed ? " packed" : " in place") + ", depth blocks ≤ " + depthBlock + ", " + m + "×" + n + "×" + k
                + (transA ? " Aᵀ" : "") + (transB ? " Bᵀ" : "");
        if (c[m * n] != 42f) fail(what + ": wrote past C");
        assertWithinDotProductBound(a, 0, transA, b, 0, transB, c, 0, m, n, k, what);
        if (transB && !transA && n <= Gemm32.NARROW) return; // the narrow A·Bᵀ: dot products, another fixed order
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float chain = 0f;
                for (int p = 0; p < k; p++) chain = Math.fma(transA ? a[p * m + i] : a[i * k + p], transB ? b[j * k + p] : b[p * n + j], chain);
                if (Float.floatToRawIntBits(chain) != Float.floatToRawIntBits(c[i * n + j])) {
                    fail(what + ": C[" + i + "," + j + "] = " + c[i * n + j] + ", the FMA chain gives " + chain);
                }
            }
        }
    }
}

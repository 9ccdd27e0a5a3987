package io.elbo.autodiff.backend;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 matrix multiply, C = op(A)·op(B) with op(X) = X or Xᵀ, on {@code FloatVector}, for the three
 * layouts backprop needs (A·B, A·Bᵀ, Aᵀ·B) without materialising a transpose of either operand.
 *
 * <p>One register-blocked micro-kernel computes a 4 × 3L tile of C (L float lanes): for each p, four
 * broadcast elements of op(A) times three vectors of row p of op(B), into 12 vector accumulators (12 FMA
 * per 7 loads). op(A) is read in place with strides (row-major A or Aᵀ alike). op(B) is read in place
 * when B is not transposed; for Bᵀ, and for the last partial panel of columns, a panel of k × 3L values
 * is packed (transposed and zero-padded) into a per-thread buffer first. No masked vector op runs in the
 * hot loop.
 *
 * <p>Every element is C[i,j] = fma(A[i,k−1], B[k−1,j], ... fma(A[i,0], B[0,j], 0)), one sequence
 * whichever tile, block or thread computes it: <b>results do not depend on the thread count</b>. (A narrow
 * A·Bᵀ, at most 2L columns, is computed as dot products of rows instead, in another fixed order: see
 * {@link #narrowABt}.)
 * When the product is large enough to pay for the hand-over, the grid of (panel, 4 rows) tiles is
 * split evenly among {@link Threads}, panel by panel; rows are taken in blocks of {@value #MC} so the
 * block of A stays in L2 cache.
 */
final class Gemm32 {
    private Gemm32() {}

    static final VectorSpecies<Float> S = VectorKernels32.S;
    static final int L = S.length();
    private static final int MR = 4, NR = 3 * L;
    /** A·Bᵀ with at most this many columns takes the dot-product path ({@link #narrowABt}). */
    private static final int NARROW = 2 * L;
    /** Rows of C per block: the block of op(A) (MC × k) stays in L2 while the column panels sweep it. */
    static final int MC = 256;
    /** Below this many multiply-adds one thread is faster than handing work over (about 5 µs of work). */
    static final long PARALLEL_MIN = 1L << 19;

    private static final ThreadLocal<float[]> PACK = ThreadLocal.withInitial(() -> new float[0]);

    static void gemm(float[] a, int aOff, boolean transA, float[] b, int bOff, boolean transB, float[] c, int cOff, int m, int n, int k) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            Arrays.fill(c, cOff, cOff + m * n, 0f);
            return;
        }
        if (transA && transB) { // Aᵀ·Bᵀ = (B·A)ᵀ: no layer needs it; one product and one transpose
            float[] t = new float[m * n];
            gemm(b, bOff, false, a, aOff, false, t, 0, n, m, k);
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * n + j] = t[j * m + i];
            return;
        }
        if (transB && !transA && n <= NARROW) {
            narrowABt(a, aOff, b, bOff, c, cOff, m, n, k);
            return;
        }
        int si = transA ? 1 : k, sp = transA ? m : 1;
        // The work is a grid of (column panel, group of MR rows) units, numbered panel by panel; each
        // thread takes a contiguous run of units, so the split is even to one group of rows whatever
        // the shape (a thin C with one panel is split by rows), and only a panel on the boundary
        // between two threads is packed twice.
        int panels = (n + NR - 1) / NR, groups = (m + MR - 1) / MR;
        long units = (long) panels * groups;
        int parts = (long) m * n * k >= PARALLEL_MIN ? (int) Math.min(Threads.count(), units) : 1;
        if (parts == 1) {
            units(a, aOff, si, sp, b, bOff, transB, c, cOff, m, n, k, 0, units);
            return;
        }
        Threads.forEach(parts, part -> units(a, aOff, si, sp, b, bOff, transB, c, cOff, m, n, k,
                units * part / parts, units * (part + 1) / parts));
    }

    /**
     * A·Bᵀ with a narrow C (n ≤ {@value #NARROW} columns, as a layer of 20 outputs): packing Bᵀ into a
     * 3L-wide panel would leave most lanes idle, so each element is a dot product of two rows read in
     * place, A[i, :] and B[j, :], vectorised along k. Rows are split among threads in groups of
     * {@value #MR}; every element is computed by the same sequence ({@link #dot1x1}) whichever thread
     * or block computes it.
     */
    private static void narrowABt(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int n, int k) {
        int groups = (m + MR - 1) / MR;
        int parts = (long) m * n * k >= PARALLEL_MIN ? Math.min(Threads.count(), groups) : 1;
        if (parts == 1) {
            dotRows(a, aOff, b, bOff, c, cOff, n, k, 0, m);
            return;
        }
        Threads.forEach(parts, part -> dotRows(a, aOff, b, bOff, c, cOff, n, k,
                Math.min(m, groups * part / parts * MR), Math.min(m, groups * (part + 1) / parts * MR)));
    }

    /** Rows [i0, i1) of C = A·Bᵀ by dot products: 4 × 4 blocks, then single elements at the edges. */
    private static void dotRows(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n, int k, int i0, int i1) {
        int i = i0;
        float[] acc = new float[16 * L];
        for (; i + MR <= i1; i += MR) {
            int j = 0;
            for (; j + 4 <= n; j += 4) dot4x4(a, aOff + i * k, b, bOff + j * k, c, cOff + i * n + j, n, k, acc);
            for (; j < n; j++) for (int r = 0; r < MR; r++) c[cOff + (i + r) * n + j] = dot1x1(a, aOff + (i + r) * k, b, bOff + j * k, k);
        }
        for (; i < i1; i++) for (int j = 0; j < n; j++) c[cOff + i * n + j] = dot1x1(a, aOff + i * k, b, bOff + j * k, k);
    }

    /**
     * Σ_p a[ai + p]·b[bj + p] in the one order every element of a narrow A·Bᵀ uses: lane-wise FMA chains
     * over the whole vectors of k, their lanes summed by {@link VectorMath#sumLanes}, then scalar FMAs over
     * the last k mod L terms.
     */
    private static float dot1x1(float[] a, int ai, float[] b, int bj, int k) {
        int kv = k - k % L;
        FloatVector acc = FloatVector.zero(S);
        for (int p = 0; p < kv; p += L) acc = FloatVector.fromArray(S, a, ai + p).fma(FloatVector.fromArray(S, b, bj + p), acc);
        return dotTail(a, ai, b, bj, kv, k, VectorMath.sumLanes(acc));
    }

    private static float dotTail(float[] a, int ai, float[] b, int bj, int p, int k, float s) {
        for (; p < k; p++) s = Math.fma(a[ai + p], b[bj + p], s);
        return s;
    }

    /** C[r, q] for r, q < 4 = {@link #dot1x1} of rows ai + r·k of A and bj + q·k of B, 16 chains at once (8 loads per 16 FMA). */
    private static void dot4x4(float[] a, int ai, float[] b, int bj, float[] c, int ci, int cs, int k, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int kv = k - k % L;
        for (int p = 0; p < kv; p += L) {
            FloatVector b0 = FloatVector.fromArray(S, b, bj + p), b1 = FloatVector.fromArray(S, b, bj + k + p);
            FloatVector b2 = FloatVector.fromArray(S, b, bj + 2 * k + p), b3 = FloatVector.fromArray(S, b, bj + 3 * k + p);
            FloatVector a0 = FloatVector.fromArray(S, a, ai + p);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.fromArray(S, a, ai + k + p);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.fromArray(S, a, ai + 2 * k + p);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.fromArray(S, a, ai + 3 * k + p);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
        }
        c00.intoArray(acc, 0);
        c01.intoArray(acc, L);
        c02.intoArray(acc, 2 * L);
        c03.intoArray(acc, 3 * L);
        c10.intoArray(acc, 4 * L);
        c11.intoArray(acc, 5 * L);
        c12.intoArray(acc, 6 * L);
        c13.intoArray(acc, 7 * L);
        c20.intoArray(acc, 8 * L);
        c21.intoArray(acc, 9 * L);
        c22.intoArray(acc, 10 * L);
        c23.intoArray(acc, 11 * L);
        c30.intoArray(acc, 12 * L);
        c31.intoArray(acc, 13 * L);
        c32.intoArray(acc, 14 * L);
        c33.intoArray(acc, 15 * L);
        laneSums(acc);
        for (int e = 0; e < 16; e++) {
            int r = e >> 2, q = e & 3;
            c[ci + r * cs + q] = dotTail(a, ai + r * k, b, bj + q * k, kv, k, acc[e]);
        }
    }

    /**
     * acc[e] = {@link VectorMath#sumLanes} of the vector stored at acc[e·L] for e &lt; 16. A method of its
     * own, called with the accumulators stored: inside {@link #dot4x4}, sixteen shuffle trees took it
     * past C2's inlining budget and its vectors were boxed.
     */
    private static void laneSums(float[] acc) {
        for (int e = 0; e < 16; e++) acc[e] = VectorMath.sumLanes(FloatVector.fromArray(S, acc, e * L));
    }

    /**
     * Units [u0, u1) of the grid: unit u covers rows [MR·(u mod groups), +MR) of column panel
     * u / groups. op(A)[i,p] = a[aOff + i·si + p·sp]. Rows are visited in blocks of {@value #MC},
     * each block sweeping the panels, so the block of op(A) stays in cache.
     */
    private static void units(float[] a, int aOff, int si, int sp, float[] b, int bOff, boolean transB, float[] c, int cOff,
                              int m, int n, int k, long u0, long u1) {
        if (u0 >= u1) return;
        int groups = (m + MR - 1) / MR;
        int q0 = (int) (u0 / groups), q1 = (int) ((u1 - 1) / groups); // first and last panel, inclusive
        int firstRow = (int) (u0 % groups) * MR, lastRow = Math.min(m, (int) ((u1 - 1) % groups + 1) * MR);
        // Panels that are read from a packed copy: all of Bᵀ, or the partial last panel of B.
        int lastPanel = (n - 1) / NR;
        boolean partialLast = n % NR != 0;
        float[] pack = null;
        if (transB || (partialLast && q1 == lastPanel)) {
            int packed = transB ? q1 - q0 + 1 : 1;
            pack = PACK.get();
            if (pack.length < packed * k * NR) PACK.set(pack = new float[packed * k * NR]);
            if (transB) {
                for (int q = q0; q <= q1; q++) packTransposed(b, bOff, k, q * NR, Math.min(NR, n - q * NR), pack, (q - q0) * k * NR);
            } else {
                packRows(b, bOff, n, k, lastPanel * NR, n - lastPanel * NR, pack, 0);
            }
        }
        float[] tile = new float[MR * NR];
        for (int i0 = 0; i0 < m; i0 += MC) {
            for (int q = q0; q <= q1; q++) {
                int rowLo = Math.max(i0, q == q0 ? firstRow : 0), rowHi = Math.min(i0 + MC, q == q1 ? lastRow : m);
                if (rowLo >= rowHi) continue;
                int j = q * NR, w = Math.min(NR, n - j);
                float[] src;
                int srcOff, srcStride;
                if (transB) {
                    src = pack; srcOff = (q - q0) * k * NR; srcStride = NR;
                } else if (w < NR) {
                    src = pack; srcOff = 0; srcStride = NR;
                } else {
                    src = b; srcOff = bOff + j; srcStride = n;
                }
                int i = rowLo;
                for (; i + MR <= rowHi; i += MR) {
                    if (w == NR) {
                        kernel4x3(a, aOff + i * si, si, sp, src, srcOff, srcStride, c, cOff + i * n + j, n, k);
                    } else {
                        // A narrow panel (at most 2L columns, as a 20-wide C) takes the two-vector kernel.
                        if (w <= 2 * L) kernel4x2(a, aOff + i * si, si, sp, src, srcOff, srcStride, tile, 0, NR, k);
                        else kernel4x3(a, aOff + i * si, si, sp, src, srcOff, srcStride, tile, 0, NR, k);
                        for (int r = 0; r < MR; r++) System.arraycopy(tile, r * NR, c, cOff + (i + r) * n + j, w);
                    }
                }
                for (; i < rowHi; i++) {
                    if (w == NR) {
                        kernel1x3(a, aOff + i * si, sp, src, srcOff, srcStride, c, cOff + i * n + j, k);
                    } else {
                        kernel1x3(a, aOff + i * si, sp, src, srcOff, srcStride, tile, 0, k);
                        System.arraycopy(tile, 0, c, cOff + i * n + j, w);
                    }
                }
            }
        }
    }

    /** pack[p·NR + jj] = B[p, j + jj] for jj < w, else 0: a partial panel of a k × n row-major B. */
    private static void packRows(float[] b, int bOff, int n, int k, int j, int w, float[] pack, int off) {
        for (int p = 0; p < k; p++) {
            int dst = off + p * NR;
            System.arraycopy(b, bOff + p * n + j, pack, dst, w);
            Arrays.fill(pack, dst + w, dst + NR, 0f);
        }
    }

    /** pack[p·NR + jj] = Bᵀ[p, j + jj] = B[j + jj, p] for jj < w, else 0: a panel of Bᵀ for an n × k row-major B. */
    private static void packTransposed(float[] b, int bOff, int k, int j, int w, float[] pack, int off) {
        int src = bOff + j * k;
        for (int p = 0; p < k; p++) { // row by row of the panel: contiguous stores, w sequential read streams
            int dst = off + p * NR;
            for (int jj = 0; jj < w; jj++) pack[dst + jj] = b[src + jj * k + p];
            if (w < NR) Arrays.fill(pack, dst + w, dst + NR, 0f);
        }
    }

    /** C[0..4, 0..3L) = op(A)[0..4, :]·B[:, 0..3L): rows of A at ai + r·si (step sp along p), rows of B at bj + p·bs. */
    private static void kernel4x3(float[] a, int ai, int si, int sp, float[] b, int bj, int bs, float[] c, int ci, int cs, int k) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * bs, ap = ai + p * sp;
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L), b2 = FloatVector.fromArray(S, b, bp + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, a[ap]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            FloatVector a1 = FloatVector.broadcast(S, a[ap + si]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            FloatVector a2 = FloatVector.broadcast(S, a[ap + 2 * si]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            FloatVector a3 = FloatVector.broadcast(S, a[ap + 3 * si]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c02.intoArray(c, ci + 2 * L);
        c10.intoArray(c, ci + cs);
        c11.intoArray(c, ci + cs + L);
        c12.intoArray(c, ci + cs + 2 * L);
        c20.intoArray(c, ci + 2 * cs);
        c21.intoArray(c, ci + 2 * cs + L);
        c22.intoArray(c, ci + 2 * cs + 2 * L);
        c30.intoArray(c, ci + 3 * cs);
        c31.intoArray(c, ci + 3 * cs + L);
        c32.intoArray(c, ci + 3 * cs + 2 * L);
    }

    /** C[0..4, 0..2L): {@link #kernel4x3} without its third column vector, for narrow panels. */
    private static void kernel4x2(float[] a, int ai, int si, int sp, float[] b, int bj, int bs, float[] c, int ci, int cs, int k) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * bs, ap = ai + p * sp;
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector a0 = FloatVector.broadcast(S, a[ap]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[ap + si]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[ap + 2 * si]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[ap + 3 * si]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + cs);
        c11.intoArray(c, ci + cs + L);
        c20.intoArray(c, ci + 2 * cs);
        c21.intoArray(c, ci + 2 * cs + L);
        c30.intoArray(c, ci + 3 * cs);
        c31.intoArray(c, ci + 3 * cs + L);
    }

    /** One row: the same operations, element for element, as {@link #kernel4x3}. */
    private static void kernel1x3(float[] a, int ai, int sp, float[] b, int bj, int bs, float[] c, int ci, int k) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * bs;
            FloatVector av = FloatVector.broadcast(S, a[ai + p * sp]);
            c0 = av.fma(FloatVector.fromArray(S, b, bp), c0);
            c1 = av.fma(FloatVector.fromArray(S, b, bp + L), c1);
            c2 = av.fma(FloatVector.fromArray(S, b, bp + 2 * L), c2);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + L);
        c2.intoArray(c, ci + 2 * L);
    }
}

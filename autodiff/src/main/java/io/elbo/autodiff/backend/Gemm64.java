package io.elbo.autodiff.backend;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float64 reference matrix multiply, C = op(A)·op(B), fast but with the bits of the textbook triple
 * loop: every element is summed from 0 in order of p, a multiply then an add per term,
 *
 * <pre>  acc = 0; for p in 0..k−1: acc = acc + op(A)[i,p]·op(B)[p,j]; C[i,j] = acc</pre>
 *
 * which is what {@code KernelsTest} checks. Only the order in which elements are visited changes, as in
 * BLIS: op(B) is packed, a column panel of 3L columns (L double lanes) at a time, into k × 3L contiguous,
 * zero-padded rows (from B or from Bᵀ alike: no transpose is made), and a 4 × 3L tile of C is kept in
 * twelve vector accumulators while p runs, fed by four broadcasts of op(A) and three vectors of a packed
 * row. When a block of rows sweeps more than one panel, op(A) is packed too, four rows interleaved
 * (p-major), so that every index in the hot loop is p times a constant plus an invariant, which the JIT
 * can check once for the whole loop; a single panel reads op(A) in place. Rows past the last group of
 * four take the same sequence one row at a time; the padding lanes compute products nobody reads.
 * Large products are split among {@link Threads}, by panels when there are enough (each thread packs
 * only its own), by groups of four rows otherwise; the split does not change any element's sequence,
 * so the result does not depend on the thread count.
 * (No FMA: a fused multiply-add rounds once instead of twice and would change the bits.)
 */
final class Gemm64 {
    private Gemm64() {}

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int L = D.length(), MR = 4, NR = 3 * L;
    /** Rows of C per block: the block of op(A) (MC × k doubles) stays in L2 while the panels sweep it. */
    private static final int MC = 64;
    /** Below this many multiply-adds one thread is faster than handing work over. */
    private static final long PARALLEL_MIN = 1L << 18;

    /** Per-thread buffers for the packed panels of op(B) and the packed block of op(A). */
    private static final ThreadLocal<double[]> PACK_B = ThreadLocal.withInitial(() -> new double[0]), PACK_A = ThreadLocal.withInitial(() -> new double[0]);

    private static double[] buffer(ThreadLocal<double[]> pool, int n) {
        double[] buf = pool.get();
        if (buf.length < n) pool.set(buf = new double[n]);
        return buf;
    }

    static void gemm(double[] a, int aOff, boolean transA, double[] b, int bOff, boolean transB, double[] c, int cOff,
                     int m, int n, int k) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            Arrays.fill(c, cOff, cOff + m * n, 0);
            return;
        }
        // op(A)[i,p] = a[aOff + i·si + p·sp]
        int si = transA ? 1 : k, sp = transA ? m : 1;
        int groups = (m + MR - 1) / MR, panels = (n + NR - 1) / NR;
        int threads = (long) m * n * k >= PARALLEL_MIN ? Threads.count() : 1;
        if (threads == 1) {
            block(a, aOff, si, sp, b, bOff, transB, c, cOff, m, n, k, 0, m, 0, panels);
        } else if (panels >= 4 * threads) {
            Threads.forEach(threads, part -> block(a, aOff, si, sp, b, bOff, transB, c, cOff, m, n, k, 0, m,
                    panels * part / threads, panels * (part + 1) / threads));
        } else {
            int parts = Math.min(threads, groups);
            Threads.forEach(parts, part -> block(a, aOff, si, sp, b, bOff, transB, c, cOff, m, n, k,
                    Math.min(m, groups * part / parts * MR), Math.min(m, groups * (part + 1) / parts * MR), 0, panels));
        }
    }

    /**
     * Rows [i0, i1) of C in column panels [q0, q1): the panels are packed, then blocks of {@value #MC} rows
     * (packed when there is more than one panel) each sweep the panels, so that a packed panel (k × 3L) and
     * the block of op(A) stay in cache. A partial panel is computed into a scratch tile and its real
     * columns copied out.
     */
    private static void block(double[] a, int aOff, int si, int sp, double[] b, int bOff, boolean transB, double[] c, int cOff,
                              int m, int n, int k, int i0, int i1, int q0, int q1) {
        if (i0 >= i1 || q0 >= q1) return;
        double[] pb = buffer(PACK_B, (q1 - q0) * k * NR);
        for (int q = q0; q < q1; q++) {
            int j = q * NR, w = Math.min(NR, n - j), off = (q - q0) * k * NR;
            if (transB) packTransposed(b, bOff, k, j, w, pb, off);
            else packRows(b, bOff, n, k, j, w, pb, off);
        }
        boolean packA = q1 - q0 > 1;
        double[] pa = packA ? buffer(PACK_A, MC * k) : null;
        double[] tile = new double[MR * NR];
        for (int ib = i0; ib < i1; ib += MC) {
            int ie = Math.min(i1, ib + MC), groupsEnd = ib + (ie - ib) / MR * MR;
            if (packA) for (int i = ib; i < groupsEnd; i += MR) packGroup(a, aOff + i * si, si, sp, k, pa, (i - ib) * k);
            for (int q = q0; q < q1; q++) {
                int j = q * NR, w = Math.min(NR, n - j), bq = (q - q0) * k * NR;
                for (int i = ib; i < groupsEnd; i += MR) {
                    double[] out = w == NR ? c : tile;
                    int ci = w == NR ? cOff + i * n + j : 0, cs = w == NR ? n : NR;
                    if (packA) tile4Packed(pa, (i - ib) * k, pb, bq, out, ci, cs, k);
                    else tile4(a, aOff + i * si, si, sp, pb, bq, out, ci, cs, k);
                    if (w < NR) for (int r = 0; r < MR; r++) System.arraycopy(tile, r * NR, c, cOff + (i + r) * n + j, w);
                }
                for (int i = groupsEnd; i < ie; i++) {
                    tile1(a, aOff + i * si, sp, pb, bq, tile, k);
                    System.arraycopy(tile, 0, c, cOff + i * n + j, w);
                }
            }
        }
    }

    /** pack[off + p·NR + jj] = B[p, j + jj] for jj &lt; w, else 0: a panel of a k × n row-major B. */
    private static void packRows(double[] b, int bOff, int n, int k, int j, int w, double[] pack, int off) {
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, bOff + p * n + j, pack, off + p * NR, w);
            if (w < NR) Arrays.fill(pack, off + p * NR + w, off + (p + 1) * NR, 0);
        }
    }

    /** pack[off + p·MR + r] = op(A)[r, p] for r &lt; 4, the rows of op(A) at ai + r·si (step sp along p). */
    private static void packGroup(double[] a, int ai, int si, int sp, int k, double[] pack, int off) {
        for (int p = 0; p < k; p++) for (int r = 0; r < MR; r++) pack[off + p * MR + r] = a[ai + r * si + p * sp];
    }

    /** pack[off + p·NR + jj] = Bᵀ[p, j + jj] = B[j + jj, p] for jj &lt; w, else 0: a panel of Bᵀ for an n × k row-major B. */
    private static void packTransposed(double[] b, int bOff, int k, int j, int w, double[] pack, int off) {
        int src = bOff + j * k;
        for (int p = 0; p < k; p++) { // row by row of the panel: contiguous stores, w sequential read streams
            int dst = off + p * NR;
            for (int jj = 0; jj < w; jj++) pack[dst + jj] = b[src + jj * k + p];
            if (w < NR) Arrays.fill(pack, dst + w, dst + NR, 0);
        }
    }

    /** C[r, 0..3L) for r &lt; 4 = the textbook sums over p of op(A)[r,p]·op(B)[p, 0..3L): A packed by {@link #packGroup}, B by panel. */
    private static void tile4Packed(double[] a, int ai, double[] b, int bj, double[] c, int ci, int cs, int k) {
        DoubleVector c00 = DoubleVector.zero(D), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        DoubleVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * NR, ap = ai + p * MR;
            DoubleVector b0 = DoubleVector.fromArray(D, b, bp), b1 = DoubleVector.fromArray(D, b, bp + L), b2 = DoubleVector.fromArray(D, b, bp + 2 * L);
            DoubleVector a0 = DoubleVector.broadcast(D, a[ap]);
            c00 = c00.add(a0.mul(b0));
            c01 = c01.add(a0.mul(b1));
            c02 = c02.add(a0.mul(b2));
            DoubleVector a1 = DoubleVector.broadcast(D, a[ap + 1]);
            c10 = c10.add(a1.mul(b0));
            c11 = c11.add(a1.mul(b1));
            c12 = c12.add(a1.mul(b2));
            DoubleVector a2 = DoubleVector.broadcast(D, a[ap + 2]);
            c20 = c20.add(a2.mul(b0));
            c21 = c21.add(a2.mul(b1));
            c22 = c22.add(a2.mul(b2));
            DoubleVector a3 = DoubleVector.broadcast(D, a[ap + 3]);
            c30 = c30.add(a3.mul(b0));
            c31 = c31.add(a3.mul(b1));
            c32 = c32.add(a3.mul(b2));
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

    /**
     * {@link #tile4Packed} with op(A) read in place: rows at ai + r·si, step sp along p. (The twelve stores are
     * written out in both kernels: moved into a method of their own, which C2 does not inline, the twelve
     * accumulators were boxed and the loop ran 20 times slower.)
     */
    private static void tile4(double[] a, int ai, int si, int sp, double[] b, int bj, double[] c, int ci, int cs, int k) {
        DoubleVector c00 = DoubleVector.zero(D), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        DoubleVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * NR, ap = ai + p * sp;
            DoubleVector b0 = DoubleVector.fromArray(D, b, bp), b1 = DoubleVector.fromArray(D, b, bp + L), b2 = DoubleVector.fromArray(D, b, bp + 2 * L);
            DoubleVector a0 = DoubleVector.broadcast(D, a[ap]);
            c00 = c00.add(a0.mul(b0));
            c01 = c01.add(a0.mul(b1));
            c02 = c02.add(a0.mul(b2));
            DoubleVector a1 = DoubleVector.broadcast(D, a[ap + si]);
            c10 = c10.add(a1.mul(b0));
            c11 = c11.add(a1.mul(b1));
            c12 = c12.add(a1.mul(b2));
            DoubleVector a2 = DoubleVector.broadcast(D, a[ap + 2 * si]);
            c20 = c20.add(a2.mul(b0));
            c21 = c21.add(a2.mul(b1));
            c22 = c22.add(a2.mul(b2));
            DoubleVector a3 = DoubleVector.broadcast(D, a[ap + 3 * si]);
            c30 = c30.add(a3.mul(b0));
            c31 = c31.add(a3.mul(b1));
            c32 = c32.add(a3.mul(b2));
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

    /** One row of {@link #tile4}, into c[0..3L). */
    private static void tile1(double[] a, int ai, int sp, double[] b, int bj, double[] c, int k) {
        DoubleVector c0 = DoubleVector.zero(D), c1 = c0, c2 = c0;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * NR;
            DoubleVector av = DoubleVector.broadcast(D, a[ai + p * sp]);
            c0 = c0.add(av.mul(DoubleVector.fromArray(D, b, bp)));
            c1 = c1.add(av.mul(DoubleVector.fromArray(D, b, bp + L)));
            c2 = c2.add(av.mul(DoubleVector.fromArray(D, b, bp + 2 * L)));
        }
        c0.intoArray(c, 0);
        c1.intoArray(c, L);
        c2.intoArray(c, 2 * L);
    }
}

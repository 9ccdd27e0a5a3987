package io.elbo.autodiff;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float64 reference matrix multiply, C = op(A)·op(B), fast but with the bits of the textbook triple
 * loop: every element is summed from 0 in order of p, a multiply then an add per term,
 *
 * <pre>  acc = 0; for p in 0..k−1: acc = acc + op(A)[i,p]·op(B)[p,j]; C[i,j] = acc</pre>
 *
 * which is what {@code KernelsTest} checks. Only the order in which elements are visited changes: a
 * 4 × 2L tile of C (L double lanes) is kept in eight vector accumulators while p runs, fed by four
 * broadcasts of op(A) and two vectors of a row of op(B), rows in blocks that stay in cache; the columns
 * past the last whole tile, and the rows past the last group of four, take the same sequence one element
 * or one row at a time. Bᵀ is first
 * copied into a row-major op(B). Groups of four rows are split among {@link Threads} for large products;
 * the split does not change any element's sequence, so the result does not depend on the thread count.
 * (No FMA: a fused multiply-add rounds once instead of twice and would change the bits.)
 */
final class Gemm64 {
    private Gemm64() {}

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int L = D.length(), MR = 4, NR = 2 * L;
    /** Rows of C per block: the block of op(A) (MC × k doubles) stays in L2 while the panels sweep it. */
    private static final int MC = 64;
    /** Below this many multiply-adds one thread is faster than handing work over. */
    private static final long PARALLEL_MIN = 1L << 18;

    static void gemm(double[] a, int aOff, boolean transA, double[] b, int bOff, boolean transB, double[] c, int cOff,
                     int m, int n, int k) {
        // op(A)[i,p] = a[aOff + i·si + p·sp]; op(B)[p,j] = opB[ob + p·n + j]
        int si = transA ? 1 : k, sp = transA ? m : 1, ob = transB ? 0 : bOff;
        double[] opB = transB ? transpose(b, bOff, n, k) : b;
        int groups = (m + MR - 1) / MR;
        int parts = (long) m * n * k >= PARALLEL_MIN ? Math.min(Threads.count(), groups) : 1;
        Threads.forEach(parts, part -> {
            int i0 = Math.min(m, groups * part / parts * MR), i1 = Math.min(m, groups * (part + 1) / parts * MR);
            rows(a, aOff, si, sp, opB, ob, c, cOff, n, k, i0, i1);
        });
    }

    /** The k × n row-major transpose of the n × k matrix at b[bOff]. */
    private static double[] transpose(double[] b, int bOff, int n, int k) {
        double[] t = new double[k * n];
        for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) t[p * n + j] = b[bOff + j * k + p];
        return t;
    }

    /**
     * Rows [i0, i1) of C: blocks of {@value #MC} rows, each sweeping the column panels, so that a panel of
     * op(B) (k × 2L) and the block of op(A) stay in cache; 4 × 2L tiles, then the columns past the last
     * whole panel and the rows past the last group of four one element or one row at a time.
     */
    private static void rows(double[] a, int aOff, int si, int sp, double[] b, int bo, double[] c, int cOff, int n, int k, int i0, int i1) {
        for (int ib = i0; ib < i1; ib += MC) {
            int ie = Math.min(i1, ib + MC), groupsEnd = ib + (ie - ib) / MR * MR;
            int j = 0;
            for (; j + NR <= n; j += NR) {
                for (int i = ib; i < groupsEnd; i += MR) tile4(a, aOff + i * si, si, sp, b, bo + j, n, c, cOff + i * n + j, k);
                for (int i = groupsEnd; i < ie; i++) tile1(a, aOff + i * si, sp, b, bo + j, n, c, cOff + i * n + j, k);
            }
            for (int i = ib; i < ie; i++) for (int jj = j; jj < n; jj++) c[cOff + i * n + jj] = dot(a, aOff + i * si, sp, b, bo + jj, n, k);
        }
    }

    /** C[r, 0..2L) for r &lt; 4 = the textbook sums over p of op(A)[r,p]·op(B)[p, 0..2L). */
    private static void tile4(double[] a, int ai, int si, int sp, double[] b, int bj, int bs, double[] c, int ci, int k) {
        DoubleVector c00 = DoubleVector.zero(D), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * bs, ap = ai + p * sp;
            DoubleVector b0 = DoubleVector.fromArray(D, b, bp), b1 = DoubleVector.fromArray(D, b, bp + L);
            DoubleVector a0 = DoubleVector.broadcast(D, a[ap]);
            c00 = c00.add(a0.mul(b0));
            c01 = c01.add(a0.mul(b1));
            DoubleVector a1 = DoubleVector.broadcast(D, a[ap + si]);
            c10 = c10.add(a1.mul(b0));
            c11 = c11.add(a1.mul(b1));
            DoubleVector a2 = DoubleVector.broadcast(D, a[ap + 2 * si]);
            c20 = c20.add(a2.mul(b0));
            c21 = c21.add(a2.mul(b1));
            DoubleVector a3 = DoubleVector.broadcast(D, a[ap + 3 * si]);
            c30 = c30.add(a3.mul(b0));
            c31 = c31.add(a3.mul(b1));
        }
        int cs = bs;
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + cs);
        c11.intoArray(c, ci + cs + L);
        c20.intoArray(c, ci + 2 * cs);
        c21.intoArray(c, ci + 2 * cs + L);
        c30.intoArray(c, ci + 3 * cs);
        c31.intoArray(c, ci + 3 * cs + L);
    }

    /** One row of {@link #tile4}. */
    private static void tile1(double[] a, int ai, int sp, double[] b, int bj, int bs, double[] c, int ci, int k) {
        DoubleVector c0 = DoubleVector.zero(D), c1 = c0;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * bs;
            DoubleVector av = DoubleVector.broadcast(D, a[ai + p * sp]);
            c0 = c0.add(av.mul(DoubleVector.fromArray(D, b, bp)));
            c1 = c1.add(av.mul(DoubleVector.fromArray(D, b, bp + L)));
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + L);
    }

    /** One element: Σ_p op(A)[i,p]·op(B)[p,j], the textbook loop itself. */
    private static double dot(double[] a, int ai, int sp, double[] b, int bj, int bs, int k) {
        double acc = 0;
        for (int p = 0; p < k; p++) acc += a[ai + p * sp] * b[bj + p * bs];
        return acc;
    }
}

package io.elbo.autodiff;

import java.util.Arrays;
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
 * broadcasts of op(A) and two vectors of a row of a column panel of op(B) (2L columns), rows in blocks
 * that stay in cache; the rows past the last group of four take the same sequence one row at a time.
 * op(A) is read in place with strides. op(B) is read in place when B is not transposed; the panels of
 * Bᵀ, and a last partial panel of B, are packed first (k × 2L, zero-padded, contiguous) into a
 * per-thread buffer: the padding lanes compute products nobody reads, the real lanes their own sums.
 * Large products are split among {@link Threads}, by panels when there are many of Bᵀ (each thread
 * packs only its own), by groups of four rows otherwise; the split does not change any element's
 * sequence, so the result does not depend on the thread count.
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

    private static final ThreadLocal<double[]> PACK = ThreadLocal.withInitial(() -> new double[0]);

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
        } else if (transB && panels >= 4 * threads) {
            Threads.forEach(threads, part -> block(a, aOff, si, sp, b, bOff, true, c, cOff, m, n, k, 0, m,
                    panels * part / threads, panels * (part + 1) / threads));
        } else {
            int parts = Math.min(threads, groups);
            Threads.forEach(parts, part -> block(a, aOff, si, sp, b, bOff, transB, c, cOff, m, n, k,
                    Math.min(m, groups * part / parts * MR), Math.min(m, groups * (part + 1) / parts * MR), 0, panels));
        }
    }

    /**
     * Rows [i0, i1) of C in column panels [q0, q1): blocks of {@value #MC} rows, each sweeping the panels,
     * so that a panel of op(B) (k × 2L) and the block of op(A) stay in cache; 4 × 2L tiles, then the rows
     * past the last group of four one row at a time. A partial panel is computed into a scratch tile and
     * its real columns copied out.
     */
    private static void block(double[] a, int aOff, int si, int sp, double[] b, int bOff, boolean transB, double[] c, int cOff,
                              int m, int n, int k, int i0, int i1, int q0, int q1) {
        if (i0 >= i1 || q0 >= q1) return;
        int lastPanel = (n - 1) / NR;
        boolean packLast = !transB && n % NR != 0 && q1 == lastPanel + 1;
        double[] pack = null;
        if (transB || packLast) {
            int packed = transB ? q1 - q0 : 1;
            pack = PACK.get();
            if (pack.length < packed * k * NR) PACK.set(pack = new double[packed * k * NR]);
            if (transB) {
                for (int q = q0; q < q1; q++) packTransposed(b, bOff, k, q * NR, Math.min(NR, n - q * NR), pack, (q - q0) * k * NR);
            } else {
                packRows(b, bOff, n, k, lastPanel * NR, n - lastPanel * NR, pack);
            }
        }
        double[] tile = new double[MR * NR];
        for (int ib = i0; ib < i1; ib += MC) {
            int ie = Math.min(i1, ib + MC);
            for (int q = q0; q < q1; q++) {
                int j = q * NR, w = Math.min(NR, n - j);
                double[] src;
                int srcOff, bs;
                if (transB) {
                    src = pack; srcOff = (q - q0) * k * NR; bs = NR;
                } else if (w < NR) {
                    src = pack; srcOff = 0; bs = NR;
                } else {
                    src = b; srcOff = bOff + j; bs = n;
                }
                int i = ib;
                for (; i + MR <= ie; i += MR) {
                    if (w == NR) {
                        tile4(a, aOff + i * si, si, sp, src, srcOff, bs, c, cOff + i * n + j, n, k);
                    } else {
                        tile4(a, aOff + i * si, si, sp, src, srcOff, bs, tile, 0, NR, k);
                        for (int r = 0; r < MR; r++) System.arraycopy(tile, r * NR, c, cOff + (i + r) * n + j, w);
                    }
                }
                for (; i < ie; i++) {
                    if (w == NR) {
                        tile1(a, aOff + i * si, sp, src, srcOff, bs, c, cOff + i * n + j, k);
                    } else {
                        tile1(a, aOff + i * si, sp, src, srcOff, bs, tile, 0, k);
                        System.arraycopy(tile, 0, c, cOff + i * n + j, w);
                    }
                }
            }
        }
    }

    /** pack[p·NR + jj] = B[p, j + jj] for jj &lt; w, else 0: the partial last panel of a k × n row-major B. */
    private static void packRows(double[] b, int bOff, int n, int k, int j, int w, double[] pack) {
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, bOff + p * n + j, pack, p * NR, w);
            Arrays.fill(pack, p * NR + w, (p + 1) * NR, 0);
        }
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

    /** C[r, 0..3L) for r &lt; 4 = the textbook sums over p of op(A)[r,p]·op(B)[p, 0..3L), op(B)'s rows at bj + p·bs. */
    private static void tile4(double[] a, int ai, int si, int sp, double[] b, int bj, int bs, double[] c, int ci, int cs, int k) {
        DoubleVector c00 = DoubleVector.zero(D), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        DoubleVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * bs, ap = ai + p * sp;
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

    /** One row of {@link #tile4}. */
    private static void tile1(double[] a, int ai, int sp, double[] b, int bj, int bs, double[] c, int ci, int k) {
        DoubleVector c0 = DoubleVector.zero(D), c1 = c0, c2 = c0;
        for (int p = 0; p < k; p++) {
            int bp = bj + p * bs;
            DoubleVector av = DoubleVector.broadcast(D, a[ai + p * sp]);
            c0 = c0.add(av.mul(DoubleVector.fromArray(D, b, bp)));
            c1 = c1.add(av.mul(DoubleVector.fromArray(D, b, bp + L)));
            c2 = c2.add(av.mul(DoubleVector.fromArray(D, b, bp + 2 * L)));
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + L);
        c2.intoArray(c, ci + 2 * L);
    }
}

package io.elbo.autodiff.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * An 8 × 8 block of floats transposed in eight 256-bit registers, the way GEMM packs Bᵀ (and A, for a
 * tile of eight rows) where vectors have 8 lanes (AVX2): row r of the output is column r of the input.
 * The rounds of {@link Transpose16}, one fewer: swaps of 4 × 4, 2 × 2 and 1 × 1 blocks; in the round
 * of size h, rows i and i + h exchange half their lanes, one permutation and one blend per row. That is
 * 48 register operations, 8 loads and 8 stores for 64 floats, where a gather per output row (8 strided
 * loads) is what the packing did before.
 *
 * <p>Only for 8-lane vectors; the class is initialised where it is used, after {@link Gemm32} has
 * checked the lane count.
 */
final class Transpose8 {
    private Transpose8() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    /** Round h's permutations (lane l takes lane l − h; lane l + h) and blend masks (the lanes whose bit h is set). */
    private static final VectorShuffle<Float> BACK4 = shift(-4), BACK2 = shift(-2), BACK1 = shift(-1);
    private static final VectorShuffle<Float> AHEAD4 = shift(4), AHEAD2 = shift(2), AHEAD1 = shift(1);
    private static final VectorMask<Float> BIT4 = bit(4), BIT2 = bit(2), BIT1 = bit(1);

    private static VectorShuffle<Float> shift(int by) {
        int[] from = new int[8];
        for (int l = 0; l < 8; l++) from[l] = Math.floorMod(l + by, 8);
        return VectorShuffle.fromArray(S, from, 0);
    }

    private static VectorMask<Float> bit(int h) {
        boolean[] set = new boolean[8];
        for (int l = 0; l < 8; l++) set[l] = (l & h) != 0;
        return VectorMask.fromArray(S, set, 0);
    }

    /**
     * dst[d + c·dstStride + r] = src[s + r·srcStride + c] for r, c &lt; 8: eight rows of 8 floats
     * (at s, s + srcStride, …) become eight rows (at d, d + dstStride, …) holding their columns.
     */
    static void transpose(float[] src, int s, int srcStride, float[] dst, int d, int dstStride) {
        FloatVector r0 = FloatVector.fromArray(S, src, s), r1 = FloatVector.fromArray(S, src, s + 1 * srcStride),
                r2 = FloatVector.fromArray(S, src, s + 2 * srcStride), r3 = FloatVector.fromArray(S, src, s + 3 * srcStride),
                r4 = FloatVector.fromArray(S, src, s + 4 * srcStride), r5 = FloatVector.fromArray(S, src, s + 5 * srcStride),
                r6 = FloatVector.fromArray(S, src, s + 6 * srcStride), r7 = FloatVector.fromArray(S, src, s + 7 * srcStride);
        FloatVector t;
        // 4 × 4 blocks: rows i and i + 4
        t = r0.blend(r4.rearrange(BACK4), BIT4); r4 = r0.rearrange(AHEAD4).blend(r4, BIT4); r0 = t;
        t = r1.blend(r5.rearrange(BACK4), BIT4); r5 = r1.rearrange(AHEAD4).blend(r5, BIT4); r1 = t;
        t = r2.blend(r6.rearrange(BACK4), BIT4); r6 = r2.rearrange(AHEAD4).blend(r6, BIT4); r2 = t;
        t = r3.blend(r7.rearrange(BACK4), BIT4); r7 = r3.rearrange(AHEAD4).blend(r7, BIT4); r3 = t;
        // 2 × 2 blocks: rows i and i + 2
        t = r0.blend(r2.rearrange(BACK2), BIT2); r2 = r0.rearrange(AHEAD2).blend(r2, BIT2); r0 = t;
        t = r1.blend(r3.rearrange(BACK2), BIT2); r3 = r1.rearrange(AHEAD2).blend(r3, BIT2); r1 = t;
        t = r4.blend(r6.rearrange(BACK2), BIT2); r6 = r4.rearrange(AHEAD2).blend(r6, BIT2); r4 = t;
        t = r5.blend(r7.rearrange(BACK2), BIT2); r7 = r5.rearrange(AHEAD2).blend(r7, BIT2); r5 = t;
        // single elements: rows i and i + 1
        t = r0.blend(r1.rearrange(BACK1), BIT1); r1 = r0.rearrange(AHEAD1).blend(r1, BIT1); r0 = t;
        t = r2.blend(r3.rearrange(BACK1), BIT1); r3 = r2.rearrange(AHEAD1).blend(r3, BIT1); r2 = t;
        t = r4.blend(r5.rearrange(BACK1), BIT1); r5 = r4.rearrange(AHEAD1).blend(r5, BIT1); r4 = t;
        t = r6.blend(r7.rearrange(BACK1), BIT1); r7 = r6.rearrange(AHEAD1).blend(r7, BIT1); r6 = t;
        r0.intoArray(dst, d);
        r1.intoArray(dst, d + 1 * dstStride);
        r2.intoArray(dst, d + 2 * dstStride);
        r3.intoArray(dst, d + 3 * dstStride);
        r4.intoArray(dst, d + 4 * dstStride);
        r5.intoArray(dst, d + 5 * dstStride);
        r6.intoArray(dst, d + 6 * dstStride);
        r7.intoArray(dst, d + 7 * dstStride);
    }
}

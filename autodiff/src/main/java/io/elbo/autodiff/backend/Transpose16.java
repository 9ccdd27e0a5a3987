package io.elbo.autodiff.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 16 × 16 block of floats transposed in sixteen 512-bit registers, the way GEMM packs Bᵀ: row r of
 * the output is column r of the input. Transposing a matrix is transposing its 2 × 2 blocks and
 * swapping the two off the diagonal; done from the outside in, that is four rounds of block swaps,
 * of 8 × 8, 4 × 4, 2 × 2 and 1 × 1 blocks. In the round of size h, rows i and i + h (for each i whose
 * bit h is clear) exchange half their lanes: in each lane l whose bit h is set, row i takes row i + h's
 * lane l − h; in each lane l whose bit h is clear, row i + h takes row i's lane l + h.
 * That is one permutation and one blend per row and round: 128 register operations, 32 loads and 32
 * stores (two passes) for 256 floats, where gathering each output row (a strided load of 16 values) took about twice
 * as long (3.5–4.0 against 1.8–2.2 floats per ns on Zen 4 when packing the 400 × 784 Bᵀ of W1).
 *
 * <p>Only for 16-lane vectors (AVX-512); the class is initialised where it is used, after
 * {@link Gemm32} has checked the lane count.
 */
final class Transpose16 {
    private Transpose16() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    /** Round h's permutations (lane l takes lane l − h; lane l + h) and blend masks (the lanes whose bit h is set). */
    private static final VectorShuffle<Float> BACK8 = shift(-8), BACK4 = shift(-4), BACK2 = shift(-2), BACK1 = shift(-1);
    private static final VectorShuffle<Float> AHEAD8 = shift(8), AHEAD4 = shift(4), AHEAD2 = shift(2), AHEAD1 = shift(1);
    private static final VectorMask<Float> BIT8 = bit(8), BIT4 = bit(4), BIT2 = bit(2), BIT1 = bit(1);

    private static VectorShuffle<Float> shift(int by) {
        int[] from = new int[16];
        for (int l = 0; l < 16; l++) from[l] = Math.floorMod(l + by, 16);
        return VectorShuffle.fromArray(S, from, 0);
    }

    private static VectorMask<Float> bit(int h) {
        boolean[] set = new boolean[16];
        for (int l = 0; l < 16; l++) set[l] = (l & h) != 0;
        return VectorMask.fromArray(S, set, 0);
    }

    /**
     * dst[d + c·dstStride + r] = src[s + r·srcStride + c] for r, c &lt; 16: sixteen rows of 16 floats
     * (at s, s + srcStride, …) become sixteen rows (at d, d + dstStride, …) holding their columns.
     * In two passes of two rounds each, the first leaving its rows in dst for the second: one method
     * with all four rounds (16 loads, 128 permutations and blends, 16 stores) outgrew what C2 compiles
     * as vector code — on an Intel Xeon (JDK 17) its last three stores were left to the Vector API's
     * Java fallback, and W1's 400 × 784 Bᵀ transposed at 1.41 floats per ns against 2.38 in two passes.
     */
    static void transpose(float[] src, int s, int srcStride, float[] dst, int d, int dstStride) {
        blockRounds(src, s, srcStride, dst, d, dstStride);
        elementRounds(dst, d, dstStride);
    }

    /** The rounds of 8 × 8 and 4 × 4 blocks, from src's rows into dst's. */
    private static void blockRounds(float[] src, int s, int srcStride, float[] dst, int d, int dstStride) {
        FloatVector r0 = FloatVector.fromArray(S, src, s), r1 = FloatVector.fromArray(S, src, s + srcStride),
                r2 = FloatVector.fromArray(S, src, s + 2 * srcStride), r3 = FloatVector.fromArray(S, src, s + 3 * srcStride),
                r4 = FloatVector.fromArray(S, src, s + 4 * srcStride), r5 = FloatVector.fromArray(S, src, s + 5 * srcStride),
                r6 = FloatVector.fromArray(S, src, s + 6 * srcStride), r7 = FloatVector.fromArray(S, src, s + 7 * srcStride),
                r8 = FloatVector.fromArray(S, src, s + 8 * srcStride), r9 = FloatVector.fromArray(S, src, s + 9 * srcStride),
                r10 = FloatVector.fromArray(S, src, s + 10 * srcStride), r11 = FloatVector.fromArray(S, src, s + 11 * srcStride),
                r12 = FloatVector.fromArray(S, src, s + 12 * srcStride), r13 = FloatVector.fromArray(S, src, s + 13 * srcStride),
                r14 = FloatVector.fromArray(S, src, s + 14 * srcStride), r15 = FloatVector.fromArray(S, src, s + 15 * srcStride);
        FloatVector t;
        // 8 × 8 blocks: rows i and i + 8
        t = r0.blend(r8.rearrange(BACK8), BIT8); r8 = r0.rearrange(AHEAD8).blend(r8, BIT8); r0 = t;
        t = r1.blend(r9.rearrange(BACK8), BIT8); r9 = r1.rearrange(AHEAD8).blend(r9, BIT8); r1 = t;
        t = r2.blend(r10.rearrange(BACK8), BIT8); r10 = r2.rearrange(AHEAD8).blend(r10, BIT8); r2 = t;
        t = r3.blend(r11.rearrange(BACK8), BIT8); r11 = r3.rearrange(AHEAD8).blend(r11, BIT8); r3 = t;
        t = r4.blend(r12.rearrange(BACK8), BIT8); r12 = r4.rearrange(AHEAD8).blend(r12, BIT8); r4 = t;
        t = r5.blend(r13.rearrange(BACK8), BIT8); r13 = r5.rearrange(AHEAD8).blend(r13, BIT8); r5 = t;
        t = r6.blend(r14.rearrange(BACK8), BIT8); r14 = r6.rearrange(AHEAD8).blend(r14, BIT8); r6 = t;
        t = r7.blend(r15.rearrange(BACK8), BIT8); r15 = r7.rearrange(AHEAD8).blend(r15, BIT8); r7 = t;
        // 4 × 4 blocks: rows i and i + 4
        t = r0.blend(r4.rearrange(BACK4), BIT4); r4 = r0.rearrange(AHEAD4).blend(r4, BIT4); r0 = t;
        t = r1.blend(r5.rearrange(BACK4), BIT4); r5 = r1.rearrange(AHEAD4).blend(r5, BIT4); r1 = t;
        t = r2.blend(r6.rearrange(BACK4), BIT4); r6 = r2.rearrange(AHEAD4).blend(r6, BIT4); r2 = t;
        t = r3.blend(r7.rearrange(BACK4), BIT4); r7 = r3.rearrange(AHEAD4).blend(r7, BIT4); r3 = t;
        t = r8.blend(r12.rearrange(BACK4), BIT4); r12 = r8.rearrange(AHEAD4).blend(r12, BIT4); r8 = t;
        t = r9.blend(r13.rearrange(BACK4), BIT4); r13 = r9.rearrange(AHEAD4).blend(r13, BIT4); r9 = t;
        t = r10.blend(r14.rearrange(BACK4), BIT4); r14 = r10.rearrange(AHEAD4).blend(r14, BIT4); r10 = t;
        t = r11.blend(r15.rearrange(BACK4), BIT4); r15 = r11.rearrange(AHEAD4).blend(r15, BIT4); r11 = t;
        r0.intoArray(dst, d);
        r1.intoArray(dst, d + dstStride);
        r2.intoArray(dst, d + 2 * dstStride);
        r3.intoArray(dst, d + 3 * dstStride);
        r4.intoArray(dst, d + 4 * dstStride);
        r5.intoArray(dst, d + 5 * dstStride);
        r6.intoArray(dst, d + 6 * dstStride);
        r7.intoArray(dst, d + 7 * dstStride);
        r8.intoArray(dst, d + 8 * dstStride);
        r9.intoArray(dst, d + 9 * dstStride);
        r10.intoArray(dst, d + 10 * dstStride);
        r11.intoArray(dst, d + 11 * dstStride);
        r12.intoArray(dst, d + 12 * dstStride);
        r13.intoArray(dst, d + 13 * dstStride);
        r14.intoArray(dst, d + 14 * dstStride);
        r15.intoArray(dst, d + 15 * dstStride);
    }

    /** The rounds of 2 × 2 blocks and single elements, on dst's rows in place. */
    private static void elementRounds(float[] dst, int d, int dstStride) {
        FloatVector r0 = FloatVector.fromArray(S, dst, d), r1 = FloatVector.fromArray(S, dst, d + dstStride),
                r2 = FloatVector.fromArray(S, dst, d + 2 * dstStride), r3 = FloatVector.fromArray(S, dst, d + 3 * dstStride),
                r4 = FloatVector.fromArray(S, dst, d + 4 * dstStride), r5 = FloatVector.fromArray(S, dst, d + 5 * dstStride),
                r6 = FloatVector.fromArray(S, dst, d + 6 * dstStride), r7 = FloatVector.fromArray(S, dst, d + 7 * dstStride),
                r8 = FloatVector.fromArray(S, dst, d + 8 * dstStride), r9 = FloatVector.fromArray(S, dst, d + 9 * dstStride),
                r10 = FloatVector.fromArray(S, dst, d + 10 * dstStride), r11 = FloatVector.fromArray(S, dst, d + 11 * dstStride),
                r12 = FloatVector.fromArray(S, dst, d + 12 * dstStride), r13 = FloatVector.fromArray(S, dst, d + 13 * dstStride),
                r14 = FloatVector.fromArray(S, dst, d + 14 * dstStride), r15 = FloatVector.fromArray(S, dst, d + 15 * dstStride);
        FloatVector t;
        // 2 × 2 blocks: rows i and i + 2
        t = r0.blend(r2.rearrange(BACK2), BIT2); r2 = r0.rearrange(AHEAD2).blend(r2, BIT2); r0 = t;
        t = r1.blend(r3.rearrange(BACK2), BIT2); r3 = r1.rearrange(AHEAD2).blend(r3, BIT2); r1 = t;
        t = r4.blend(r6.rearrange(BACK2), BIT2); r6 = r4.rearrange(AHEAD2).blend(r6, BIT2); r4 = t;
        t = r5.blend(r7.rearrange(BACK2), BIT2); r7 = r5.rearrange(AHEAD2).blend(r7, BIT2); r5 = t;
        t = r8.blend(r10.rearrange(BACK2), BIT2); r10 = r8.rearrange(AHEAD2).blend(r10, BIT2); r8 = t;
        t = r9.blend(r11.rearrange(BACK2), BIT2); r11 = r9.rearrange(AHEAD2).blend(r11, BIT2); r9 = t;
        t = r12.blend(r14.rearrange(BACK2), BIT2); r14 = r12.rearrange(AHEAD2).blend(r14, BIT2); r12 = t;
        t = r13.blend(r15.rearrange(BACK2), BIT2); r15 = r13.rearrange(AHEAD2).blend(r15, BIT2); r13 = t;
        // single elements: rows i and i + 1
        t = r0.blend(r1.rearrange(BACK1), BIT1); r1 = r0.rearrange(AHEAD1).blend(r1, BIT1); r0 = t;
        t = r2.blend(r3.rearrange(BACK1), BIT1); r3 = r2.rearrange(AHEAD1).blend(r3, BIT1); r2 = t;
        t = r4.blend(r5.rearrange(BACK1), BIT1); r5 = r4.rearrange(AHEAD1).blend(r5, BIT1); r4 = t;
        t = r6.blend(r7.rearrange(BACK1), BIT1); r7 = r6.rearrange(AHEAD1).blend(r7, BIT1); r6 = t;
        t = r8.blend(r9.rearrange(BACK1), BIT1); r9 = r8.rearrange(AHEAD1).blend(r9, BIT1); r8 = t;
        t = r10.blend(r11.rearrange(BACK1), BIT1); r11 = r10.rearrange(AHEAD1).blend(r11, BIT1); r10 = t;
        t = r12.blend(r13.rearrange(BACK1), BIT1); r13 = r12.rearrange(AHEAD1).blend(r13, BIT1); r12 = t;
        t = r14.blend(r15.rearrange(BACK1), BIT1); r15 = r14.rearrange(AHEAD1).blend(r15, BIT1); r14 = t;
        r0.intoArray(dst, d);
        r1.intoArray(dst, d + dstStride);
        r2.intoArray(dst, d + 2 * dstStride);
        r3.intoArray(dst, d + 3 * dstStride);
        r4.intoArray(dst, d + 4 * dstStride);
        r5.intoArray(dst, d + 5 * dstStride);
        r6.intoArray(dst, d + 6 * dstStride);
        r7.intoArray(dst, d + 7 * dstStride);
        r8.intoArray(dst, d + 8 * dstStride);
        r9.intoArray(dst, d + 9 * dstStride);
        r10.intoArray(dst, d + 10 * dstStride);
        r11.intoArray(dst, d + 11 * dstStride);
        r12.intoArray(dst, d + 12 * dstStride);
        r13.intoArray(dst, d + 13 * dstStride);
        r14.intoArray(dst, d + 14 * dstStride);
        r15.intoArray(dst, d + 15 * dstStride);
    }
}

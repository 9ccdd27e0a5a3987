package io.elbo.autodiff.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The in-register transpose that packs Bᵀ, against the scalar definition at odd strides and offsets. */
class Transpose8Properties {
    /**
     * dst[d + c·dstStride + r] = src[s + r·srcStride + c] for r, c &lt; 8, and nothing else of dst is
     * written, for any strides (at least 8) and offsets; runs on any CPU (the 256-bit species is
     * emulated where the hardware has no such vectors).
     */
    @Property(tries = 100)
    void theBlocksRowsAreTheSourcesColumns(@ForAll @IntRange(min = 8, max = 37) int srcStride, @ForAll @IntRange(min = 8, max = 29) int dstStride,
                                           @ForAll @IntRange(min = 0, max = 17) int s, @ForAll @IntRange(min = 0, max = 17) int d) {
        Random r = new Random(srcStride * 7919L + dstStride * 131L + s * 17L + d);
        float[] src = new float[s + 7 * srcStride + 8 + 3], dst = new float[d + 7 * dstStride + 8 + 5];
        for (int i = 0; i < src.length; i++) src[i] = r.nextFloat() - 0.5f;
        float[] expected = new float[dst.length];
        for (int i = 0; i < dst.length; i++) expected[i] = dst[i] = -1f - i;
        for (int row = 0; row < 8; row++) for (int col = 0; col < 8; col++) expected[d + col * dstStride + row] = src[s + row * srcStride + col];
        Transpose8.transpose(src, s, srcStride, dst, d, dstStride);
        for (int i = 0; i < dst.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(dst[i]), "dst[" + i + "]");
        }
    }
}

package io.elbo.vae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.elbo.autodiff.DType;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * A data set keeps grey levels k/255 as bytes and anything else as floats; the storage is invisible: every
 * reader gives back exactly the values it was given, bit for bit.
 */
class DatasetProperties {
    /**
     * Pixels of three kinds (all grey levels; levels with one other value among them — a float between two
     * levels, −0, NaN, 2 — ; arbitrary floats): {@code withPixels} then {@code pixels}, {@code image}, {@code rows}
     * in float32 and float64 and {@code head} return the given values bit for bit, in any order of rows.
     */
    @Property(tries = 200)
    void theValuesReadBackAreTheValuesGivenWhicheverTheStorage(@ForAll("pixelSets") float[] px) {
        int count = px.length / 6;
        Dataset d = new Dataset(new float[px.length], null, count, 2, 3).withPixels(px);
        Statistics.label("storage").collect(allLevels(px) ? "levels" : "floats");
        Statistics.label("storage").coverage(c -> {
            c.check("levels").count(n -> n > 0);
            c.check("floats").count(n -> n > 0);
        });
        assertArrayEquals(px, d.pixels(), "pixels()");
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = count - 1 - i;
        float[] rows32 = d.rows(order, DType.FLOAT32).toFloatArray();
        double[] rows64 = d.rows(order, DType.FLOAT64).toDoubleArray();
        for (int i = 0; i < count; i++) {
            float[] image = d.image(order[i]);
            for (int j = 0; j < 6; j++) {
                float want = px[order[i] * 6 + j];
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(image[j]), "image");
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(rows32[i * 6 + j]), "rows, float32");
                assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(rows64[i * 6 + j]), "rows, float64");
            }
        }
        float[] head = d.head(1).pixels();
        for (int j = 0; j < 6; j++) assertEquals(Float.floatToRawIntBits(px[j]), Float.floatToRawIntBits(head[j]), "head");
    }

    @Provide
    Arbitrary<float[]> pixelSets() {
        Arbitrary<Float> level = Arbitraries.integers().between(0, 255).map(k -> k / 255f);
        Arbitrary<Float> odd = Arbitraries.of(0.5f / 255, -0.0f, Float.NaN, 2f, 1f + Math.ulp(1f), Float.intBitsToFloat(0x7fc00001));
        Arbitrary<Float> any = Arbitraries.floats().between(-2, 2);
        return Arbitraries.integers().between(1, 5).flatMap(count -> Arbitraries.oneOf(
                level.array(float[].class).ofSize(6 * count),
                Arbitraries.integers().between(0, 6 * count - 1).flatMap(at -> odd.flatMap(v ->
                        level.array(float[].class).ofSize(6 * count).map(a -> { a[at] = v; return a; }))),
                any.array(float[].class).ofSize(6 * count)));
    }

    private static boolean allLevels(float[] px) {
        for (float v : px) {
            int k = Math.round(v * 255f);
            if (k < 0 || k > 255 || Float.floatToRawIntBits(v) != Float.floatToRawIntBits(k / 255f)) return false;
        }
        return true;
    }

    /** An IDX file's bytes become the levels k/255f, read back as such. */
    @Property(tries = 20)
    void idxBytesAreReadAsTheirGreyLevels(@ForAll("bytes") List<Integer> bytes) throws IdxException {
        byte[] file = new byte[16 + bytes.size()];
        file[2] = 0x08;
        file[3] = 3;
        file[7] = (byte) (bytes.size() / 6);
        file[11] = 2;
        file[15] = 3;
        for (int i = 0; i < bytes.size(); i++) file[16 + i] = (byte) (int) bytes.get(i);
        Dataset d = Dataset.load(new java.io.ByteArrayInputStream(file), "images", null, null);
        float[] px = d.pixels();
        for (int i = 0; i < px.length; i++) assertEquals(bytes.get(i) / 255f, px[i], "pixel " + i);
    }

    @Provide
    Arbitrary<List<Integer>> bytes() {
        return Arbitraries.integers().between(1, 4).flatMap(n -> Arbitraries.integers().between(0, 255).list().ofSize(6 * n));
    }
}

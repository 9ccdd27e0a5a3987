package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class StreamsTest {
    @Test
    void commonsRngTakesALongArrayAsRawStateAndDropsWhatDoesNotFit() {
        // the pitfall Streams exists for: the third element is ignored, and a small state starts badly
        assertEquals(RandomSource.XO_RO_SHI_RO_128_PP.create(new long[] {1, 2, 1}).nextLong(),
                RandomSource.XO_RO_SHI_RO_128_PP.create(new long[] {1, 2, 2}).nextLong());
        assertEquals(393217L, RandomSource.XO_RO_SHI_RO_128_PP.create(new long[] {1, 2}).nextLong());
    }

    /**
     * Names that differ in any part give different streams, and the first draw of 4096 neighbouring names
     * looks uniform: its top bit is set 2048 ± 192 times (six binomial standard deviations; the names are
     * fixed, so the outcome is too), and its mean is 0.5 ± 0.027 (six standard errors of 1/√(12·4096)).
     */
    @Test
    void everyPartOfANameMattersAndFirstDrawsLookUniform() {
        assertNotEquals(Streams.of(1, 2, 1).nextLong(), Streams.of(1, 2, 2).nextLong());
        assertNotEquals(Streams.of(1, 2).nextLong(), Streams.of(2, 1).nextLong(), "order matters");
        assertNotEquals(Streams.of(1, 6, 3, 0).nextLong(), Streams.of(1, 6, 0, 3).nextLong());
        Set<Long> first = new HashSet<>();
        int top = 0;
        double sum = 0;
        for (int step = 0; step < 64; step++) {
            for (int shard = 0; shard < 64; shard++) {
                var r = Streams.of(1, 6, step, shard);
                long v = r.nextLong();
                first.add(v);
                if (v < 0) top++;
                sum += Streams.of(1, 6, step, shard).nextDouble();
            }
        }
        assertEquals(4096, first.size(), "all distinct");
        assertTrue(Math.abs(top - 2048) <= 192, "top bit set " + top + " times of 4096");
        assertTrue(Math.abs(sum / 4096 - 0.5) <= 0.027, "mean of first doubles " + sum / 4096);
        assertEquals(Streams.of(7, 2, 3).nextLong(), Streams.of(7, 2, 3).nextLong(), "a name always gives its stream");
    }
}

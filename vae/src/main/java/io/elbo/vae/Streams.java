package io.elbo.vae;

import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.core.source64.SplitMix64;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Independent random streams named by tuples: {@code Streams.of(seed, 2, epoch)} is the generator of
 * "epoch e's shuffle of the run with this seed". Every part of the name is mixed by SplitMix64 into the
 * whole state of the generator (xoroshiro128++), so two names that differ anywhere give unrelated streams.
 *
 * <p>Why not {@code RandomSource.XO_RO_SHI_RO_128_PP.create(new long[] {seed, 2, epoch})}: Commons RNG takes
 * a {@code long[]} seed as the generator's raw state, truncated to its two longs, so that call gives the
 * same stream for every epoch, and a small state such as {1, 2} starts with outputs that are far from
 * random (its first {@code nextLong()} is 393217). {@code StreamsTest} checks both.
 */
public final class Streams {
    private Streams() {}

    /** The generator of the stream named {@code name} (a seed, then any labels and indices). */
    public static RestorableUniformRandomProvider of(long... name) {
        long h = 0x6a09e667f3bcc909L; // any odd constant: the empty name's state
        for (long part : name) h = new SplitMix64(h ^ part).nextLong();
        SplitMix64 expand = new SplitMix64(h);
        long s0 = expand.nextLong(), s1 = expand.nextLong();
        if (s0 == 0 && s1 == 0) s1 = 1; // xoroshiro's one forbidden state
        return RandomSource.XO_RO_SHI_RO_128_PP.create(new long[] {s0, s1});
    }
}

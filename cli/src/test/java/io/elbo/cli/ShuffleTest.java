package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code vae train}'s shuffle depends on, read from the order the training loop really uses (a test
 * hook prints it): every epoch visits each row once, epochs of one run visit them in different orders,
 * and another seed gives other orders. (That the same seed gives the same orders, resumed or not, is
 * pinned by CliTest's bit-identical resume.)
 */
class ShuffleTest {
    @TempDir
    Path tmp;

    static final int ROWS = 48;

    /** The orders of the epochs of a 3-epoch run with the given seed. */
    List<int[]> orders(String run, long seed) {
        System.setProperty("vae.test.printOrder", "true");
        CliTest.Result r;
        try {
            r = CliTest.vae("train", "--data", "sample", "--limit", String.valueOf(ROWS), "-b", "16", "-e", "3", "--latent", "2",
                    "--hidden", "8", "--threads", "1", "--seed", String.valueOf(seed), "-o", tmp.resolve(run).toString());
        } finally {
            System.clearProperty("vae.test.printOrder");
        }
        assertEquals(0, r.exit(), r.err());
        List<int[]> out = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            String prefix = "vae test hook: epoch " + (out.size() + 1) + " order [";
            if (!line.startsWith(prefix)) continue;
            out.add(Arrays.stream(line.substring(prefix.length(), line.length() - 1).split(", ")).mapToInt(Integer::parseInt).toArray());
        }
        assertEquals(3, out.size(), "one order per epoch in:\n" + r.out());
        return out;
    }

    @Test
    void eachEpochShufflesTheRowsAnewFromTheSeedAndTheEpoch() {
        List<int[]> a = orders("a", 7), c = orders("c", 8);
        int[] natural = new int[ROWS];
        Arrays.setAll(natural, i -> i);
        for (int e = 0; e < 3; e++) {
            int[] sorted = a.get(e).clone();
            Arrays.sort(sorted);
            assertArrayEquals(natural, sorted, "epoch " + (e + 1) + " visits every row once");
            assertFalse(Arrays.equals(natural, a.get(e)), "epoch " + (e + 1) + " is shuffled");
            assertFalse(Arrays.equals(a.get(e), c.get(e)), "another seed, another order in epoch " + (e + 1));
            for (int f = 0; f < e; f++) {
                assertFalse(Arrays.equals(a.get(f), a.get(e)), "epochs " + (f + 1) + " and " + (e + 1) + " differ: the shuffle depends on the epoch");
            }
        }
    }
}

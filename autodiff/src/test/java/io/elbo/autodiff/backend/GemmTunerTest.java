package io.elbo.autodiff.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@link GemmTuner} arrives at the GEMM's kernel parameters: forced, cached or measured, and what it
 * does with a cache file that is damaged or from another machine. The measurement is replaced by a
 * stub here (a fixed answer, or one that fails the test if it is asked), so nothing depends on timing.
 */
class GemmTunerTest {
    static final String KEY = "Test CPU | Vendor family 1 model 2 stepping 3 | 8 lanes | Test VM 1.0";
    static final Gemm32.Params P = new Gemm32.Params(Gemm32.Tile.T8x1, 512, true), THIN = new Gemm32.Params(Gemm32.Tile.T4x3, 1024, false);

    @TempDir
    Path dir;
    final List<String> warnings = new ArrayList<>();
    int measurements;

    Supplier<GemmTuner.Measured> measuring(Gemm32.Params best, boolean settled) {
        return () -> {
            measurements++;
            return new GemmTuner.Measured(best, THIN, 0.2, settled);
        };
    }

    GemmTuner.Choice choose(String forced, Path file, Supplier<GemmTuner.Measured> m) {
        return GemmTuner.choose(forced, file, KEY, m, warnings::add);
    }

    @Test
    void aForcedChoiceIsUsedWithoutMeasuringReadingOrWritingTheCache() throws Exception {
        Path file = dir.resolve("gemm32.txt");
        Files.writeString(file, "not a cache file");
        GemmTuner.Choice c = choose("6x2/256/packed", file, measuring(P, true));
        assertEquals(new Gemm32.Params(Gemm32.Tile.T6x2, 256, true), c.params());
        assertEquals(c.params(), c.thin());
        assertEquals("forced", c.how());
        assertEquals(0, measurements);
        assertEquals("not a cache file", Files.readString(file));
        assertTrue(warnings.isEmpty(), warnings.toString());
        assertEquals(new Gemm32.Params(Gemm32.Tile.T4x3, GemmTuner.depthBlock(Gemm32.Tile.T4x3), false), choose("4x3", file, measuring(P, true)).params());
        assertEquals(new Gemm32.Params(Gemm32.Tile.T5x4, 64, false), choose("5x4/64/in-place", file, measuring(P, true)).params());
    }

    @Test
    void anImpossibleForcedChoiceIsRefusedNamingTheProperty() {
        for (String bad : new String[] {"5x5", "4x3/0", "4x3/x", "4x3/256/sideways", "4x3/256/packed/1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> choose(bad, null, measuring(P, true)));
            assertTrue(e.getMessage().startsWith("elbo.gemm.tile: expected"), e.getMessage());
            assertTrue(e.getMessage().endsWith("got " + bad), e.getMessage());
        }
    }

    @Test
    void aMeasuredChoiceIsCachedAndTheNextProcessReadsItWithoutMeasuring() throws Exception {
        Path file = dir.resolve("sub").resolve("gemm32.txt");
        GemmTuner.Choice first = choose(null, file, measuring(P, true));
        assertEquals(P, first.params());
        assertTrue(first.how().startsWith("measured in 0.20 s, cached in "), first.how());
        assertEquals(List.of(GemmTuner.HEADER, "key=" + KEY, "params=8x1/512/packed", "thin=4x3/1024/in-place"), Files.readAllLines(file, StandardCharsets.UTF_8));
        GemmTuner.Choice second = choose(null, file, () -> {
            throw new AssertionError("measured although cached");
        });
        assertEquals(P, second.params());
        assertEquals(THIN, second.thin());
        assertEquals("cached in " + file, second.how());
        assertEquals(1, measurements);
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void aCorruptCacheFileIsIgnoredWithOneLineOfWarningAndReplaced() throws Exception {
        Path file = dir.resolve("gemm32.txt");
        for (String corrupt : new String[] {"", "\u0000\u0001garbage", GemmTuner.HEADER + "\nkey=" + KEY + "\nparams=9x9/1/packed\nthin=4x3\n",
                GemmTuner.HEADER + "\nkey=" + KEY + "\nparams=8x1/512/packed\n", "# other format\nkey=" + KEY + "\nparams=8x1/512/packed\nthin=4x3\n"}) {
            Files.writeString(file, corrupt);
            warnings.clear();
            GemmTuner.Choice c = choose(null, file, measuring(P, true));
            assertEquals(P, c.params());
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("elbo: ignoring " + file + ": "), warnings.get(0));
            assertFalse(warnings.get(0).contains("\n"));
            assertEquals("params=8x1/512/packed", Files.readAllLines(file).get(2));
        }
        assertEquals(5, measurements);
    }

    @Test
    void aCacheFileOfAnotherCpuOrJdkIsIgnoredWithOneLineOfWarningAndReplaced() throws Exception {
        Path file = dir.resolve("gemm32.txt");
        String foreign = "Other CPU | Vendor family 9 model 9 stepping 9 | 16 lanes | Test VM 1.0";
        Files.writeString(file, GemmTuner.HEADER + "\nkey=" + foreign + "\nparams=5x4/512/in-place\nthin=5x4\n");
        GemmTuner.Choice c = choose(null, file, measuring(P, true));
        assertEquals(P, c.params());
        assertEquals(List.of("elbo: ignoring " + file + ": measured on another CPU or JDK (" + foreign + "); measuring again"), warnings);
        assertEquals("key=" + KEY, Files.readAllLines(file).get(1));
    }

    @Test
    void withTheCacheDisabledOrAnUnsettledMeasurementNothingIsWritten() throws Exception {
        GemmTuner.Choice off = choose(null, null, measuring(P, true));
        assertEquals("measured in 0.20 s", off.how());
        Path file = dir.resolve("gemm32.txt");
        GemmTuner.Choice unsettled = choose(null, file, measuring(P, false));
        assertEquals(P, unsettled.params());
        assertFalse(Files.exists(file));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    /**
     * A measurement in the background is never waited for: until it has finished there is no outcome to
     * adopt and nothing cached; then its choice is cached exactly as a measurement in the foreground's.
     */
    @Test
    void aBackgroundMeasurementHasNoOutcomeUntilItFinishesThenIsCached() throws Exception {
        Path file = dir.resolve("gemm32.txt");
        CountDownLatch finish = new CountDownLatch(1);
        GemmTuner.Background bg = new GemmTuner.Background(file, KEY, () -> {
            try {
                finish.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return measuring(P, true).get();
        }, warnings::add);
        assertNull(bg.outcome());
        assertFalse(Files.exists(file));
        finish.countDown();
        GemmTuner.Choice c = bg.await();
        assertEquals(P, c.params());
        assertEquals(THIN, c.thin());
        assertFalse(c.provisional());
        assertEquals("measured in 0.20 s, cached in " + file, c.how());
        assertEquals(P, GemmTuner.known(null, file, KEY, warnings::add).params());
        assertEquals(1, measurements);
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    /** Without a forced choice or a cache file, nothing is known: the process starts with the default and measures only when asked to. */
    @Test
    void withNothingForcedOrCachedNothingIsKnownAndNothingMeasured() {
        assertNull(GemmTuner.known(null, dir.resolve("gemm32.txt"), KEY, warnings::add));
        assertNull(GemmTuner.known(null, null, KEY, warnings::add));
        assertEquals(0, measurements);
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    /**
     * A round counts only if the GEMM's code is the same before and after it: the code list's lines of its
     * methods in use, whatever their order; another class's compiles, and code no longer in use, do not count.
     */
    @Test
    void theKernelsCodeChangesOnlyWhenOneOfTheGemmsMethodsIsCompiledAgain() {
        String g = Gemm32.class.getName();
        String c1 = "460 3 0 " + g + ".kernel4x3([FIII[FII[FIIIZ)V [0x1, 0x2 - 0x3]\n";
        String c2 = "467 4 0 " + g + ".kernel4x3([FIII[FII[FIIIZ)V [0x1, 0x2 - 0x3]\n";
        String t = "480 4 0 " + Transpose8.class.getName() + ".transpose([FI[FII)V [0x1, 0x2 - 0x3]\n";
        String other = "12 3 0 java.lang.String.hashCode()I [0x1, 0x2 - 0x3]\n", gone = "455 3 1 " + g + ".packA([FI)V [0x1, 0x2 - 0x3]\n";
        assertEquals("", GemmTuner.code(other));
        assertEquals(GemmTuner.code(c1 + t), GemmTuner.code(t + other + c1 + gone));
        assertFalse(GemmTuner.code(c1 + t).equals(GemmTuner.code(c1 + c2 + t)));
        assertEquals("460 3 " + g + ".kernel4x3([FIII[FII[FIIIZ)V", GemmTuner.code(c1));
    }

    /** Every candidate fits the vector registers (6 × 4, which JDK 17 spills, is never one), both packings are tried, and kc follows the caches. */
    @Test
    void theCandidatesFitTheRegistersAndTheCaches() {
        List<Gemm32.Params> c = GemmTuner.candidates();
        assertFalse(c.isEmpty());
        for (Gemm32.Params p : c) {
            assertTrue(p.tile().live() <= Math.min(GemmTuner.REGISTERS, 28), p.toString());
            assertTrue(p.kc() >= 8 && p.kc() <= 1024 && p.kc() % 8 == 0, p.toString());
            assertEquals(p, Gemm32.Params.parse(p.toString()));
        }
        assertTrue(c.stream().anyMatch(Gemm32.Params::packed) && c.stream().anyMatch(p -> !p.packed()));
        assertTrue(c.stream().noneMatch(p -> p.tile() == Gemm32.Tile.T6x4));
    }

    /** The real measurement returns one of its candidates, whatever the timings (a budget of zero: two rounds). */
    @Test
    void theMeasurementPicksOneOfItsCandidates() {
        List<Gemm32.Params> c = GemmTuner.candidates().subList(0, 2);
        GemmTuner.Measured m = GemmTuner.measure(c, 0);
        assertTrue(c.contains(m.best()) && c.contains(m.thin()), m.toString());
        assertTrue(m.seconds() >= 0);
    }
}

package io.elbo.autodiff.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Threads#forEach}: every part exactly once, whichever threads claim them; failures surface after all parts stop. */
class ThreadsTest {
    @AfterEach
    void restoreThreads() {
        Threads.set(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void everyPartRunsExactlyOnceOnOneTwoAndThreeThreads() {
        for (int t = 1; t <= 3; t++) {
            Threads.set(t);
            for (int parts : new int[] {1, 2, 3, 7, 64}) {
                for (int round = 0; round < 50; round++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(parts);
                    Threads.forEach(parts, runs::incrementAndGet);
                    int[] once = new int[parts];
                    java.util.Arrays.fill(once, 1);
                    int[] got = new int[parts];
                    for (int i = 0; i < parts; i++) got[i] = runs.get(i);
                    assertArrayEquals(once, got, t + " threads, " + parts + " parts");
                }
            }
        }
    }

    @Test
    void aFailingPartIsRethrownAndTheWorkersServeTheNextCall() {
        Threads.set(2);
        for (int failing : new int[] {0, 1}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Threads.forEach(2, i -> {
                if (i == failing) throw new IllegalStateException("part " + i);
            }));
            assertEquals("part " + failing, e.getMessage());
            AtomicIntegerArray runs = new AtomicIntegerArray(4);
            Threads.forEach(4, runs::incrementAndGet);
            for (int i = 0; i < 4; i++) assertEquals(1, runs.get(i));
        }
    }
}

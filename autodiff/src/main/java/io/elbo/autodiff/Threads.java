package io.elbo.autodiff;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.function.IntConsumer;

/**
 * The threads the float32 kernels may use. Work is always cut into the same parts whatever the
 * thread count (each part writes its own outputs and sums in a fixed order), so results are
 * bit-identical for 1, 2 or n threads; the count only decides how many parts run at once.
 */
public final class Threads {
    private Threads() {}

    private static volatile int count = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static ExecutorService pool;

    /** Sets the number of threads the kernels use (at least 1). */
    public static synchronized void set(int n) {
        if (n < 1) throw new IllegalArgumentException("Threads.set: need at least 1 thread, got " + n);
        count = n;
    }

    public static int count() {
        return count;
    }

    private static synchronized ExecutorService pool() {
        if (pool == null) {
            pool = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "elbo-kernel");
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    /**
     * Runs {@code part.accept(i)} for every i in [0, parts): on the calling thread when one thread
     * is set or there is one part, else spread over {@link #count()} threads in contiguous runs of
     * parts, the caller taking the first. Returns when all parts are done.
     */
    public static void forEach(int parts, IntConsumer part) {
        int t = Math.min(count, parts);
        if (t <= 1) {
            for (int i = 0; i < parts; i++) part.accept(i);
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[t - 1];
        for (int w = 1; w < t; w++) {
            int lo = (int) ((long) parts * w / t), hi = (int) ((long) parts * (w + 1) / t);
            futures[w - 1] = pool().submit(() -> {
                for (int i = lo; i < hi; i++) part.accept(i);
            });
        }
        int hi0 = parts / t;
        for (int i = 0; i < hi0; i++) part.accept(i);
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for kernel threads", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}

package io.elbo.autodiff.backend;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads the kernels may use. Work is always cut so that each output element is
 * computed by the same operations whatever the thread count, so results are bit-identical for 1, 2
 * or n threads; the count only decides how many parts run at once.
 *
 * <p>Workers are kept alive and, after a job, spin for a while (200 µs) before parking, like OpenMP's
 * active wait: a training step hands out tens of jobs of tens to hundreds of microseconds with work for
 * one thread between them, and waking a parked thread costs tens of microseconds, more in a virtual
 * machine, where waking a halted vCPU goes through the host (a W1 step at two threads on a KVM guest:
 * 4.2 ms with a 50 µs spin, 3.9 with 200 µs, the caller's waits for late workers a third shorter).
 */
public final class Threads {
    private Threads() {}

    private static volatile int count = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static Worker[] workers = new Worker[0];
    /** Held by the thread whose job the workers run; another thread's job runs inline meanwhile. */
    private static final java.util.concurrent.locks.ReentrantLock LOCK = new java.util.concurrent.locks.ReentrantLock();
    /** Nanoseconds a worker spins for the next job before parking. */
    private static final long SPIN_NANOS = 200_000;

    /** Sets the number of threads the kernels use (at least 1). */
    public static synchronized void set(int n) {
        if (n < 1) throw new IllegalArgumentException("Threads.set: need at least 1 thread, got " + n);
        count = n;
    }

    /** The number of threads kernels split their work among. */
    public static int count() {
        return count;
    }

    /**
     * Runs {@code part.accept(i)} for every i in [0, parts): on the calling thread when one thread
     * is set or there is one part, else on up to {@link #count()} threads, each part claimed by
     * whichever thread is free next (the caller included), so a worker that starts late or is
     * descheduled does not hold the caller up: the caller takes its parts. Which thread runs a part
     * never changes what the part computes. Returns when all parts are done; a part's exception is
     * rethrown then. A part that calls forEach itself, or a second thread calling while the workers
     * are busy, runs its parts inline.
     */
    public static void forEach(int parts, IntConsumer part) {
        int t = Math.min(count, parts);
        if (t <= 1 || Worker.current() != null || !LOCK.tryLock()) { // one thread, nested, or the workers are busy
            for (int i = 0; i < parts; i++) part.accept(i);
            return;
        }
        try {
            spread(parts, part, t);
        } finally {
            LOCK.unlock();
        }
    }

    /** Elements per thread below which elementwise work stays on one thread (about 20 µs of float32 exp). */
    static final int PARALLEL_MIN = 1 << 15;

    /** A body run over a range [lo, hi) of indices. */
    public interface Range {
        /** Runs the body over [lo, hi). */
        void run(int lo, int hi);
    }

    /**
     * Runs an elementwise body over [0, n) on the calling thread, or, when the work is large, over
     * {@link #count()} threads in ranges that start on multiples of {@code align} (whole vectors); each
     * of the n indices stands for {@code weight} elements of simple work. Each element is computed by the
     * same operations whichever range holds it, so the result does not depend on the thread count.
     */
    public static void split(int n, int align, int weight, Range body) {
        int parts = (int) Math.min(Math.min(count, n / align), (long) n * weight / PARALLEL_MIN);
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        forEach(parts, part -> {
            int lo = (int) ((long) n * part / parts) / align * align;
            int hi = part == parts - 1 ? n : (int) ((long) n * (part + 1) / parts) / align * align;
            body.run(lo, hi);
        });
    }

    /** Runs a body over rows [r0, r1) of a rows × cols array, split among threads by rows like {@link #split} when it is large. */
    static void splitRows(int rows, int cols, Range body) {
        int parts = cols == 0 ? 1 : Math.min(Math.min(count, rows), (int) ((long) rows * cols / PARALLEL_MIN));
        if (parts <= 1) {
            body.run(0, rows);
            return;
        }
        forEach(parts, part -> body.run(rows * part / parts, rows * (part + 1) / parts));
    }

    private static void spread(int parts, IntConsumer part, int t) {
        Worker[] ws = workers(t - 1);
        AtomicInteger next = new AtomicInteger(), pending = new AtomicInteger(t - 1);
        Throwable[] failure = new Throwable[1];
        Runnable claim = () -> {
            try {
                for (int i; (i = next.getAndIncrement()) < parts; ) part.accept(i);
            } catch (Throwable e) {
                synchronized (failure) {
                    if (failure[0] == null) failure[0] = e;
                }
                next.set(parts); // the others stop after their current part
            }
        };
        for (int w = 1; w < t; w++) {
            ws[w - 1].submit(() -> {
                try {
                    claim.run();
                } finally {
                    pending.decrementAndGet();
                }
            });
        }
        claim.run();
        while (pending.get() > 0) Thread.onSpinWait(); // the workers finish the parts they claimed
        synchronized (failure) {
            if (failure[0] instanceof RuntimeException r) throw r;
            if (failure[0] instanceof Error e) throw e;
        }
    }

    private static synchronized Worker[] workers(int n) {
        if (workers.length < n) {
            Worker[] more = java.util.Arrays.copyOf(workers, n);
            for (int i = workers.length; i < n; i++) more[i] = new Worker(i + 1);
            workers = more;
        }
        return workers;
    }

    /** A daemon thread running one job at a time, spinning briefly between jobs. */
    private static final class Worker extends Thread {
        private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();
        private volatile Runnable job;

        Worker(int id) {
            super("elbo-kernel-" + id);
            setDaemon(true);
            start();
        }

        static Worker current() {
            return CURRENT.get();
        }

        void submit(Runnable r) {
            job = r;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            CURRENT.set(this);
            while (true) {
                Runnable r = job;
                if (r == null) {
                    long until = System.nanoTime() + SPIN_NANOS;
                    while ((r = job) == null && System.nanoTime() < until) Thread.onSpinWait();
                    if (r == null) {
                        LockSupport.park(this);
                        continue;
                    }
                }
                job = null;
                r.run();
            }
        }
    }
}

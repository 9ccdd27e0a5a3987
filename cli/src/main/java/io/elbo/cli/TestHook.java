package io.elbo.cli;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * For tests of Ctrl-C: started with {@code -Dvae.test.pauseAfterBatch=E:B}, the trainer, after batch B of
 * epoch E, prints {@code vae test hook: paused after epoch E, batch B} and waits (two minutes at most)
 * until it is told to stop, so that a test delivers its signal at a known batch instead of racing the
 * clock. Without the property it does nothing.
 */
final class TestHook {
    private TestHook() {}

    private static final String PAUSE = System.getProperty("vae.test.pauseAfterBatch");

    static void afterBatch(int epoch, int batch, AtomicBoolean stop, PrintWriter out) {
        if (PAUSE == null || !PAUSE.equals(epoch + ":" + batch)) return;
        out.println("vae test hook: paused after epoch " + epoch + ", batch " + batch);
        out.flush();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!stop.get() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * With {@code -Dvae.test.printOrder=true}, prints the order in which an epoch visits the training rows, so
     * that a test can pin what the shuffle depends on (the epoch and the seed).
     */
    static void epochOrder(int epoch, int[] order, PrintWriter out) {
        if (!Boolean.getBoolean("vae.test.printOrder")) return;
        out.println("vae test hook: epoch " + epoch + " order " + java.util.Arrays.toString(order));
    }
}

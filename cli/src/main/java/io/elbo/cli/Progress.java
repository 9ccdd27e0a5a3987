package io.elbo.cli;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarRenderer;
import me.tongfei.progressbar.ProgressState;

/**
 * A progress bar on standard error (the {@code progressbar} library), shown only when standard output
 * is a terminal, so logs and pipes get the same lines without it. It is erased when it closes, so the
 * line printed next (an epoch's) takes its place; it stays within 76 columns (so the terminal's echo of
 * Ctrl-C, "^C", lands on the bar's own line and is erased with it); its rate is the work done
 * over the time elapsed, measured in nanoseconds (nothing is shown before there is a rate to show, never
 * a '?'); and after {@link #stopDrawing()} (Ctrl-C) no bar draws again.
 */
final class Progress implements AutoCloseable {
    static final int WIDTH = 76;
    private static volatile boolean stopped;
    private static Progress active;

    private final ProgressBar bar;
    private boolean closed;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    static Progress start(String task, long total, String unit) {
        if (stopped || !interactive()) return new Progress(null);
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUpdateIntervalMillis(250)
                .setRenderer(new Renderer(unit)).setMaxRenderedLength(WIDTH).clearDisplayOnFinish()
                .setConsumer(new Line(System.err)).build();
        Progress p = new Progress(bar);
        synchronized (Progress.class) {
            active = p;
        }
        return p;
    }

    void step(long n) {
        if (bar != null) bar.stepBy(n);
    }

    @Override
    public void close() {
        synchronized (Progress.class) {
            if (active == this) active = null;
            if (closed) return;
            closed = true;
        }
        if (bar != null) bar.close();
    }

    /** Erases the bar being drawn, if any, and draws no other for the rest of the process (Ctrl-C). */
    static void stopDrawing() {
        stopped = true;
        Progress p;
        synchronized (Progress.class) {
            p = active;
        }
        if (p != null) p.close();
    }

    /** The bar's line: erased when the bar closes, and no newline after it, so the next line printed takes its place. */
    static final class Line extends ConsoleProgressBarConsumer {
        private final PrintStream out;

        Line(PrintStream out) {
            super(out, WIDTH);
            this.out = out;
        }

        @Override
        public void close() {
            out.print('\r');
            out.flush();
        }
    }

    /** A terminal on both ends: System.console() exists and, on JDK 22+, says it is a terminal. */
    static boolean interactive() {
        Console c = System.console();
        if (c == null) return false;
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 17–21: console() is null unless both ends are a terminal
        }
    }

    /**
     * {@code epoch 3/10 ▕█████████▌        ▏ 53%  31744/60000 img  5788 img/s  0:04 left}: the rate and
     * the time left appear once half a second has passed, computed from the elapsed nanoseconds.
     */
    static final class Renderer implements ProgressBarRenderer {
        private static final String BLOCKS = " ▏▎▍▌▋▊▉";
        private final String unit;

        Renderer(String unit) {
            this.unit = unit;
        }

        @Override
        public String render(ProgressState s, int maxLength) {
            long done = s.getCurrent(), max = Math.max(1, s.getMax());
            Duration elapsed = s.getElapsedAfterStart();
            return line(s.getTaskName(), done, max, done - s.getStart(), elapsed.toNanos(), Math.min(maxLength, WIDTH), unit);
        }

        /**
         * A rate with the digits that say something: "5788 img/s", "2.4 steps/s", and below one a second
         * its inverse, "3.1 s/step" (never "0 steps/s").
         */
        static String speed(double rate, String unit) {
            if (rate >= 10) return String.format(Locale.ROOT, "%.0f %s/s", rate, unit);
            if (rate >= 1) return String.format(Locale.ROOT, "%.1f %s/s", rate, unit);
            String one = unit.endsWith("s") ? unit.substring(0, unit.length() - 1) : unit;
            return String.format(Locale.ROOT, "%.1f s/%s", 1 / rate, one);
        }

        /** The line for {@code done} of {@code max}, {@code sinceStart} of them in {@code nanos}; at most {@code width} columns. */
        static String line(String task, long done, long max, long sinceStart, long nanos, int width, String unit) {
            double fraction = Math.min(1, (double) done / max);
            StringBuilder tail = new StringBuilder(String.format(Locale.ROOT, " %3d%%  %d/%d %s", (int) (fraction * 100), done, max, unit));
            if (nanos >= 500_000_000L && sinceStart > 0) {
                double rate = sinceStart / (nanos * 1e-9);
                long left = Math.round((max - done) / rate);
                tail.append("  ").append(speed(rate, unit)).append(String.format(Locale.ROOT, "  %d:%02d left", left / 60, left % 60));
            }
            int barWidth = width - task.length() - tail.length() - 3;
            if (barWidth < 5) return (task + tail).substring(0, Math.min(width, task.length() + tail.length()));
            double cells = fraction * barWidth;
            int full = (int) cells;
            StringBuilder bar = new StringBuilder(task).append(" ▕").append("█".repeat(full));
            if (full < barWidth) {
                bar.append(BLOCKS.charAt((int) ((cells - full) * 8)));
                bar.append(" ".repeat(barWidth - full - 1));
            }
            return bar.append('▏').append(tail).toString();
        }
    }
}

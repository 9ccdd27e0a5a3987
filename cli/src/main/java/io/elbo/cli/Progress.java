package io.elbo.cli;

import java.io.Console;
import java.lang.reflect.Method;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error with rate and ETA (the {@code progressbar} library), shown only
 * when standard output is a terminal, so logs and pipes get the per-epoch lines alone.
 */
final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    static Progress start(String task, long total, String unit) {
        if (!interactive()) return new Progress(null);
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1).showSpeed()
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        return new Progress(bar);
    }

    void step(long n) {
        if (bar != null) bar.stepBy(n);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
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
}

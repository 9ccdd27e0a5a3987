package io.elbo.cli;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The JIT compiler's work queue, read the way {@code jcmd PID Compiler.queue} reads it (HotSpot's
 * diagnostic command, through the platform MBean server): which methods are being compiled and which
 * wait. The warm-up uses it to know when the kernels it ran are compiled, instead of guessing a number
 * of steps. On a JVM without that command (not HotSpot) {@link #open()} returns null and the warm-up
 * falls back to a fixed number of steps.
 */
final class CompileQueue {
    private final MBeanServer server;
    private final ObjectName command;

    private CompileQueue(MBeanServer server, ObjectName command) {
        this.server = server;
        this.command = command;
    }

    /** The running JVM's compile queue, or null when it cannot be read. */
    static CompileQueue open() {
        try {
            CompileQueue q = new CompileQueue(ManagementFactory.getPlatformMBeanServer(),
                    new ObjectName("com.sun.management:type=DiagnosticCommand"));
            q.idle();
            return q;
        } catch (Exception | LinkageError e) {
            return null;
        }
    }

    /** True when no method is being compiled and none waits (every line of the report is a heading or "Empty"). */
    boolean idle() {
        return isIdle(report());
    }

    /** The text {@code jcmd Compiler.queue} prints. */
    String report() {
        try {
            return (String) server.invoke(command, "compilerQueue", new Object[] {null}, new String[] {String[].class.getName()});
        } catch (Exception e) {
            throw new IllegalStateException("the JIT's compile queue could not be read: " + e, e);
        }
    }

    /**
     * Whether a {@code Compiler.queue} report shows no work: its lines are only the headings
     * ("Current compiles:", "C1 compile queue:", "C2 compile queue:") and "Empty"; a compile in
     * progress or waiting is a line of its own ("C2 CompilerThread0  1166   4   a.B::m (497 bytes)").
     */
    static boolean isIdle(String report) {
        for (String line : report.split("\n")) {
            String s = line.strip();
            if (!(s.isEmpty() || s.equals("Empty") || s.endsWith(":"))) return false;
        }
        return true;
    }

    /** Waits, polling every few milliseconds, until the queue is idle or the deadline ({@link System#nanoTime()}) passes; returns whether idle. */
    boolean awaitIdle(long deadline) {
        while (!idle()) {
            if (System.nanoTime() - deadline >= 0) return false;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}

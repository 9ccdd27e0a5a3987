package io.elbo.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM call a handler instead of killing the JVM, for the scope of a
 * try-with-resources block; closing it puts the previous handlers back. Uses {@code sun.misc.Signal}
 * (module jdk.unsupported, present in every JDK): a shutdown hook would run while the JVM is already
 * exiting, too late to finish a step and save.
 */
final class Signals implements AutoCloseable {
    private final SignalHandler oldInt;
    private final SignalHandler oldTerm;

    private Signals(SignalHandler oldInt, SignalHandler oldTerm) {
        this.oldInt = oldInt;
        this.oldTerm = oldTerm;
    }

    static Signals onInterrupt(Runnable handler) {
        SignalHandler h = sig -> handler.run();
        return new Signals(install("INT", h), install("TERM", h));
    }

    private static SignalHandler install(String name, SignalHandler h) {
        try {
            return Signal.handle(new Signal(name), h);
        } catch (IllegalArgumentException e) { // the signal is not available here (or the JVM reserves it)
            return null;
        }
    }

    @Override
    public void close() {
        if (oldInt != null) Signal.handle(new Signal("INT"), oldInt);
        if (oldTerm != null) Signal.handle(new Signal("TERM"), oldTerm);
    }
}

package io.elbo.cli;

/** A failure the user can act on: printed as one line, {@code vae: <message>}, with exit code 1. */
public final class CliException extends RuntimeException {
    /** A failure with this one-line message (no stack trace is kept or printed). */
    public CliException(String message) {
        super(message, null, false, false);
    }
}

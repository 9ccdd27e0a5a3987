package io.elbo.cli;

/** A failure the user can act on: printed as one line, {@code vae: <message>}, with exit code 1. */
public final class CliException extends RuntimeException {
    public CliException(String message) {
        super(message, null, false, false);
    }
}

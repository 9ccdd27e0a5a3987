package io.elbo.nn;

import java.io.IOException;

/** A checkpoint file that cannot be read or does not fit the model; the message names the tensor and the problem. */
public final class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A checkpoint error with this one-line message. */
    public CheckpointException(String message) {
        super(message);
    }

    /** A checkpoint error with this one-line message, caused by {@code cause} (an I/O error). */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}

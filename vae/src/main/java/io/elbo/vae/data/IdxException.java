package io.elbo.vae.data;

import java.io.IOException;

/** An IDX file that cannot be read; the message names the file and the problem in one line. */
public final class IdxException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An IDX error with this one-line message. */
    public IdxException(String message) {
        super(message);
    }
}

package io.elbo.autodiff;

/** A shape, dtype or argument error detected where an op is called; the message names the op. */
public class ShapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The message, naming the op and both shapes. */
    public ShapeException(String message) {
        super(message);
    }
}

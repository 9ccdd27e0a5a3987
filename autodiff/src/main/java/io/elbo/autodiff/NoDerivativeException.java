package io.elbo.autodiff;

/** Thrown when reverse mode reaches an op that has no derivative rule for an input needing one. */
public final class NoDerivativeException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    /** The op's name, the input's index and its shape, for the message. */
    public NoDerivativeException(String op, int input, int[] shape) {
        super(op + ": no derivative rule for input " + input + " (shape " + Shape.str(shape)
                + "); detach() that input if a zero gradient is what you mean");
    }
}

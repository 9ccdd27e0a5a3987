package io.elbo.autodiff;

/**
 * The element type of a tensor. {@link #FLOAT64} is the reference path (scalar kernels, used by
 * gradient checks); {@link #FLOAT32} is the fast path (kernels written with the JDK Vector API).
 */
public enum DType {
    FLOAT32("float32"),
    FLOAT64("float64");

    private final String label;

    DType(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }

    /** The kernels that compute with arrays of this dtype ({@code float[]} or {@code double[]}). */
    @SuppressWarnings("unchecked")
    Kernels<Object> kernels() {
        Kernels<?> k = this == FLOAT32 ? Kernels.FLOAT32 : Kernels.FLOAT64;
        return (Kernels<Object>) k;
    }
}

package io.elbo.autodiff;

import io.elbo.autodiff.backend.Arena;
import io.elbo.autodiff.backend.Backend;
import io.elbo.autodiff.backend.Kernels;

/**
 * The element type of a tensor. {@link #FLOAT64} runs anywhere (the textbook loops without the
 * Vector API, parallel kernels with it; gradient checks use the textbook loops); {@link #FLOAT32} is
 * the fast path, written with the JDK Vector API. {@link Backend} makes the choice.
 */
public enum DType {
    /** IEEE 754 single precision, on the Vector API kernels: for training. */
    FLOAT32("float32"),
    /** IEEE 754 double precision, on the reference (or threaded) kernels: for gradient checks and exact models. */
    FLOAT64("float64");

    private final String label;

    DType(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }

    /**
     * The kernels that compute with arrays of this dtype ({@code float[]} or {@code double[]}), as
     * {@link Backend} chooses them (the ops and {@link InPlace} hand them a tensor's array).
     */
    @SuppressWarnings("unchecked")
    public Kernels<Object> kernels() {
        Kernels<?> k = this == FLOAT32 ? Backend.float32() : Backend.float64();
        return (Kernels<Object>) k;
    }

    /** An array for an op's result: from the entered {@link Arena}, if any, else new. */
    Object blankArray(int n) {
        if (this == FLOAT32) {
            Backend.float32(); // fails with how to launch, before any float32 kernel class is touched
            return Arena.floats(n);
        }
        return Arena.doubles(n);
    }
}

package io.elbo.nn;

import io.elbo.autodiff.Tensor;

/**
 * A trainable tensor: a leaf that requires gradients. Optimisers update its data in place, so a
 * model's forward pass always reads the current values.
 */
public final class Parameter {
    private final Tensor value;

    /** A parameter holding {@code initial}, a leaf, which from now on requires gradients. */
    public Parameter(Tensor initial) {
        if (!initial.isLeaf()) {
            throw new IllegalArgumentException("Parameter: needs a leaf tensor, got the result of '" + initial.op() + "'");
        }
        this.value = initial.requiresGrad(true);
    }

    /** The leaf tensor to use in forward passes. */
    public Tensor value() {
        return value;
    }

    /** The gradient accumulated by the last backward passes, or null. */
    public Tensor grad() {
        return value.grad();
    }

    /** Forgets the accumulated gradient (the next backward pass starts from zero). */
    public void zeroGrad() {
        value.zeroGrad();
    }

    /** The shape of the value. */
    public int[] shape() {
        return value.shape();
    }

    /** The number of scalars in the value (the product of the shape). */
    public int numel() {
        return value.numel();
    }

    @Override
    public String toString() {
        return "Parameter" + java.util.Arrays.toString(value.shape()) + " " + value.dtype();
    }
}

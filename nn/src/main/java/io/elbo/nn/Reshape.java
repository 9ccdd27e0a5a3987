package io.elbo.nn;

import io.elbo.autodiff.Tensor;
import java.util.Arrays;

/**
 * A reshape of each row, as a module without parameters: x [N, ...] becomes [N, shape...], the same values in
 * the same (row-major) order; its gradient is reshaped back. {@link #unflatten} is PyTorch's
 * {@code nn.Unflatten(1, shape)}, {@link #flatten} its {@code nn.Flatten()}: they take a position in a
 * {@link Sequential} as they do in PyTorch's, so the layers after them keep PyTorch's names.
 */
public final class Reshape extends Module {
    private final int[] shape;

    private Reshape(int[] shape) {
        this.shape = shape.clone();
    }

    /** Each row to {@code shape} (e.g. 784 values to [1, 28, 28]): PyTorch's {@code nn.Unflatten(1, shape)}. */
    public static Reshape unflatten(int... shape) {
        for (int d : shape) if (d <= 0) throw new IllegalArgumentException("Reshape: sizes must be positive, got " + Arrays.toString(shape));
        return new Reshape(shape);
    }

    /** Each row to a vector: PyTorch's {@code nn.Flatten()}. */
    public static Reshape flatten() {
        return new Reshape(new int[] {-1});
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] to = new int[shape.length + 1];
        to[0] = x.dim(0);
        if (shape[0] == -1) {
            to[1] = x.dim(0) == 0 ? 0 : (int) (x.numel() / x.dim(0));
        } else {
            System.arraycopy(shape, 0, to, 1, shape.length);
            long row = 1;
            for (int d : shape) row *= d;
            if (x.dim(0) * row != x.numel()) {
                throw new IllegalArgumentException("Reshape: rows of " + Arrays.toString(Arrays.copyOfRange(x.shape(), 1, x.rank())) + " cannot be "
                        + Arrays.toString(shape));
            }
        }
        return x.reshape(to);
    }

    @Override
    public String toString() {
        return shape[0] == -1 ? "Flatten" : "Unflatten" + Arrays.toString(shape);
    }
}

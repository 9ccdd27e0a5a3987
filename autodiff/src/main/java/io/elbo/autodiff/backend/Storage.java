package io.elbo.autodiff.backend;

import io.elbo.autodiff.Tensor;
import java.util.function.Function;

/**
 * The speed layer's door to a tensor's array: the flat, row-major {@code float[]} or {@code double[]}
 * itself, no copy. {@link Tensor} shows no raw storage; code that computes in place on it (an
 * optimiser's update kernel, gradient clipping, a checkpoint reader filling parameters) takes it here,
 * and must respect what the tape assumes: a tensor on the tape is never changed in place.
 */
public final class Storage {
    private Storage() {}

    private static Function<Tensor, Object> door;

    /** Called once, by {@link Tensor}'s class initialiser, to hand over the access; any later call is refused. */
    public static synchronized void open(Function<Tensor, Object> access) {
        if (door != null) throw new IllegalStateException("Storage.open: the door is opened by Tensor alone, once");
        door = access;
    }

    /** The array of {@code t} ({@code float[]} or {@code double[]}). */
    public static Object array(Tensor t) {
        return door.apply(t);
    }

    /** The {@code float[]} of a float32 tensor. */
    public static float[] floats(Tensor t) {
        if (array(t) instanceof float[] f) return f;
        throw new IllegalArgumentException("Storage.floats: tensor is " + t.dtype());
    }

    /** The {@code double[]} of a float64 tensor. */
    public static double[] doubles(Tensor t) {
        if (array(t) instanceof double[] d) return d;
        throw new IllegalArgumentException("Storage.doubles: tensor is " + t.dtype());
    }
}

package io.elbo.autodiff;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Changing a tensor's values in place, off the tape: what an optimiser's update, gradient clipping, a
 * checkpoint reader filling parameters or a data-parallel trainer moving gradients does. Each method
 * hands the tensors' arrays to their dtype's kernels (or copies them), so no code outside this package
 * ever holds a tensor's array. A tensor on the tape must not be changed in place: these are for
 * parameters, gradients, optimiser state and freshly made tensors.
 */
public final class InPlace {
    private InPlace() {}

    private static void sameDtype(String who, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) throw new IllegalArgumentException(who + ": " + a.dtype() + " and " + b.dtype());
    }

    private static void sameSize(String who, Tensor a, Tensor b) {
        if (a.numel() != b.numel()) throw new IllegalArgumentException(who + ": " + a.numel() + " and " + b.numel() + " elements");
    }

    /** dst ← src, element by element (same dtype and number of elements; shapes may differ). */
    public static void copy(Tensor src, Tensor dst) {
        sameDtype("InPlace.copy", src, dst);
        sameSize("InPlace.copy", src, dst);
        System.arraycopy(src.data(), 0, dst.data(), 0, dst.numel());
    }

    /** t ← values, rounded to t's dtype (as many values as t has elements). */
    public static void set(Tensor t, double... values) {
        if (values.length != t.numel()) throw new IllegalArgumentException("InPlace.set: " + values.length + " values for " + t.numel() + " elements");
        Object a = t.data();
        if (a instanceof double[] d) System.arraycopy(values, 0, d, 0, values.length);
        else for (int i = 0; i < values.length; i++) ((float[]) a)[i] = (float) values[i];
    }

    /** t ← c·t. */
    public static void scale(Tensor t, double c) {
        t.dtype().kernels().scale(t.data(), c, t.numel());
    }

    /** Σ t², accumulated in double. */
    public static double sumOfSquares(Tensor t) {
        return t.dtype().kernels().sumOfSquares(t.data(), t.numel());
    }

    /**
     * Elements [from, from + count) of t into {@code out} at its position, advancing it: a {@link FloatBuffer} for
     * float32, a {@link DoubleBuffer} for float64.
     */
    public static void get(Tensor t, int from, int count, Buffer out) {
        Object a = t.data();
        if (a instanceof float[] f && out instanceof FloatBuffer fb) fb.put(f, from, count);
        else if (a instanceof double[] d && out instanceof DoubleBuffer db) db.put(d, from, count);
        else throw new IllegalArgumentException("InPlace.get: a " + t.dtype() + " tensor into a " + out.getClass().getSimpleName());
    }

    /** Elements [from, from + count) of t from {@code in} at its position, advancing it (buffers as {@link #get}). */
    public static void put(Buffer in, Tensor t, int from, int count) {
        Object a = t.data();
        if (a instanceof float[] f && in instanceof FloatBuffer fb) fb.get(f, from, count);
        else if (a instanceof double[] d && in instanceof DoubleBuffer db) db.get(d, from, count);
        else throw new IllegalArgumentException("InPlace.put: a " + t.dtype() + " tensor from a " + in.getClass().getSimpleName());
    }

    /** t's elements into {@code out[at..]}: a {@code float[]} for float32, a {@code double[]} for float64. */
    public static void copyOut(Tensor t, Object out, int at) {
        if (out.getClass() != t.data().getClass()) throw new IllegalArgumentException("InPlace.copyOut: a " + t.dtype() + " tensor into a "
                + out.getClass().getSimpleName());
        System.arraycopy(t.data(), 0, out, at, t.numel());
    }

    /** t's elements from {@code in[at..]} (arrays as {@link #copyOut}). */
    public static void copyIn(Object in, int at, Tensor t) {
        if (in.getClass() != t.data().getClass()) throw new IllegalArgumentException("InPlace.copyIn: a " + t.dtype() + " tensor from a "
                + in.getClass().getSimpleName());
        System.arraycopy(in, at, t.data(), 0, t.numel());
    }

    /**
     * One SGD step on parameter p with gradient g and momentum buffer buf (null without momentum):
     * d = g + λ·p; with momentum μ, buf = (first ? d : μ·buf + (1 − τ)·d) and d = nesterov ? d + μ·buf : buf;
     * then p ← p − lr·d (PyTorch 1.13's formula and order of operations; the kernels' {@code sgdUpdate}).
     */
    public static void sgd(Tensor p, Tensor g, Tensor buf, double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                           boolean first) {
        sameDtype("InPlace.sgd", p, g);
        sameSize("InPlace.sgd", p, g);
        if (momentum != 0) {
            sameDtype("InPlace.sgd", p, buf);
            sameSize("InPlace.sgd", p, buf);
        }
        p.dtype().kernels().sgdUpdate(p.data(), g.data(), momentum != 0 ? buf.data() : null, p.numel(), lr, momentum, dampening, weightDecay,
                nesterov, first);
    }

    /**
     * One Adam step (AdamW when {@code decoupled}) on parameter p with gradient g and moments m, v: AdamW first
     * decays p ← p·(1 − lr·λ), Adam instead uses g ← g + λ·p; then m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², and
     * p ← p − (lr/c₁)·m / (√v/√c₂ + ε), with c₁ = {@code biasCorrection1}, √c₂ = {@code biasCorrection2Sqrt}
     * (PyTorch 1.13's formula and order; the kernels' {@code adamUpdate}).
     */
    public static void adam(Tensor p, Tensor g, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps, double weightDecay,
                            boolean decoupled, double biasCorrection1, double biasCorrection2Sqrt) {
        for (Tensor t : Arrays.asList(g, m, v)) {
            sameDtype("InPlace.adam", p, t);
            sameSize("InPlace.adam", p, t);
        }
        p.dtype().kernels().adamUpdate(p.data(), g.data(), m.data(), v.data(), p.numel(), lr, beta1, beta2, eps, weightDecay, decoupled,
                biasCorrection1, biasCorrection2Sqrt);
    }
}

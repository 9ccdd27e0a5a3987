package io.elbo.autodiff;

import java.util.Arrays;

/** Shape arithmetic for row-major tensors: sizes, strides, NumPy broadcasting, axis checks. */
public final class Shape {
    private Shape() {}

    /** The number of elements, with an error instead of a silent int overflow. */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("shape " + str(shape) + ": negative dimension " + d);
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + str(shape) + ": more than 2^31 elements");
            }
        }
        return (int) n;
    }

    /** Row-major strides: the last axis has stride 1. */
    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** "[3, 4]". */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /**
     * NumPy broadcasting: align shapes on the right; two dimensions are compatible when equal or
     * when one is 1; the result takes the larger.
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new ShapeException(op + ": " + str(a) + " and " + str(b)
                        + ": cannot broadcast (dimension " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** True when {@code from} broadcasts to exactly {@code to}. */
    public static boolean broadcastsTo(int[] from, int[] to) {
        if (from.length > to.length) return false;
        int off = to.length - from.length;
        for (int i = 0; i < from.length; i++) {
            if (from[i] != 1 && from[i] != to[i + off]) return false;
        }
        return true;
    }

    /**
     * Strides for reading a tensor of shape {@code from} as if it had the broadcast shape
     * {@code to}: stride 0 along every broadcast axis, so no copy is needed to index it.
     */
    public static int[] broadcastStrides(int[] from, int[] to) {
        int[] src = strides(from);
        int[] s = new int[to.length];
        int off = to.length - from.length;
        for (int i = 0; i < from.length; i++) {
            s[i + off] = from[i] == 1 ? 0 : src[i];
        }
        return s;
    }

    /** An axis in [-rank, rank) made non-negative, or an error naming the op. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new ShapeException(op + ": axis " + axis + " out of range for rank " + rank);
        }
        return a;
    }

    /** The shape with the given axes set to 1 (the keepDims form of a reduction). */
    public static int[] reduced(int[] shape, boolean[] reduce) {
        int[] out = shape.clone();
        for (int i = 0; i < shape.length; i++) if (reduce[i]) out[i] = 1;
        return out;
    }

    /** The shape with the given axes removed. */
    public static int[] squeezed(int[] shape, boolean[] reduce) {
        int n = 0;
        for (boolean r : reduce) if (!r) n++;
        int[] out = new int[n];
        for (int i = 0, j = 0; i < shape.length; i++) if (!reduce[i]) out[j++] = shape[i];
        return out;
    }
}

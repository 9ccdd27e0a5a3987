package io.elbo.autodiff.backend;

import io.elbo.autodiff.Shape;

/** The odometer the kernels share: walks a strided index space one innermost run at a time. */
final class Strided {
    private Strided() {}

    /** Calls {@code run} once per innermost run of a strided index space. */
    interface Run {
        void run(int src, int dst, int length, int srcStride, int dstStride);
    }

    /** {@link #forEachRun(int[], int, int[], int, int[], Run)} for a contiguous source at offset 0. */
    static void forEachRun(int[] shape, int[] dstStrides, Run run) {
        forEachRun(shape, 0, Shape.strides(shape), 0, dstStrides, run);
    }

    static void forEachRun(int[] shape, int srcOff, int[] srcStrides, int dstOff, int[] dstStrides, Run run) {
        int rank = shape.length;
        if (rank == 0) {
            run.run(srcOff, dstOff, 1, 0, 0);
            return;
        }
        for (int d : shape) if (d == 0) return;
        int inner = shape[rank - 1];
        int[] idx = new int[rank];
        int s = srcOff, d = dstOff;
        while (true) {
            run.run(s, d, inner, srcStrides[rank - 1], dstStrides[rank - 1]);
            int ax = rank - 2;
            while (ax >= 0) {
                idx[ax]++;
                s += srcStrides[ax];
                d += dstStrides[ax];
                if (idx[ax] < shape[ax]) break;
                s -= srcStrides[ax] * shape[ax];
                d -= dstStrides[ax] * shape[ax];
                idx[ax] = 0;
                ax--;
            }
            if (ax < 0) return;
        }
    }
}

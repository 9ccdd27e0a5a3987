package io.elbo.autodiff.backend;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Helpers for checking a float32 kernel against a float64 body on widened inputs (shared with nn's tests). */
public final class Float32Checks {
    private Float32Checks() {}

    /**
     * The sizes a kernel is checked at: odd ones, and one below, at and above every lane count (8 on AVX2, 16
     * on AVX-512), every multiple of them a loop unrolls to (2, 4, 8 vectors) and the virtual width 16, so
     * that the body alone, the masked tail alone, both, and sizes below one vector are each exercised on any
     * machine. For {@code @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdges")}.
     */
    public static java.util.stream.IntStream laneEdges() {
        return java.util.stream.IntStream.of(1, 3, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 259, 1025);
    }

    /** {@link #laneEdges()} up to 259, for kernels whose work grows as n³. */
    public static java.util.stream.IntStream smallLaneEdges() {
        return laneEdges().filter(n -> n <= 259);
    }

    /** {@link #laneEdges()} and 70 001, which passes the kernels' threshold for splitting work among threads. */
    public static java.util.stream.IntStream laneEdgesAndThreaded() {
        return java.util.stream.IntStream.concat(laneEdges(), java.util.stream.IntStream.of(70_001));
    }

    /** float32 unit roundoff. */
    public static final double U = Math.ulp(1.0f) / 2;

    public static float[] random(Random r, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return x;
    }

    public static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    /** Elementwise: within 8 float32 ulps of the reference (relative), or 1e-6 absolute near zero. */
    public static void assertClose(String op, double[] ref, float[] got, double absFloor) {
        for (int i = 0; i < ref.length; i++) {
            double tol = 16 * U * Math.abs(ref[i]) + absFloor;
            if (Double.isNaN(ref[i]) != Float.isNaN(got[i])
                    || (!Double.isInfinite(ref[i]) && Math.abs(ref[i] - got[i]) > tol)
                    || (Double.isInfinite(ref[i]) && ref[i] != got[i])) {
                fail(op + " at " + i + " of " + ref.length + ": float32 " + got[i] + ", float64 " + ref[i] + ", tol " + tol);
            }
        }
    }
}

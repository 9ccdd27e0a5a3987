package io.elbo.autodiff.backend;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Helpers for checking a float32 kernel against a float64 body on widened inputs (shared with nn's tests). */
public final class Float32Checks {
    private Float32Checks() {}

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

package io.elbo.autodiff.backend;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 bodies of the optimisers' updates ({@link Kernels#sgdUpdate}, {@link Kernels#adamUpdate}), on the
 * JDK Vector API, for {@link VectorKernels32}. Each formula is written once per dtype: the float64 body is
 * {@link ReferenceKernels64}'s.
 *
 * <p><b>Tail policy, for the whole file:</b> a body runs over whole vectors only; the last n mod L
 * elements are copied into zero-padded scratch vectors, updated by the same body, and copied back.
 * Zero is a harmless input to every formula here (Adam's denominator is then ε).
 *
 * <p><b>The twins:</b> each body performs the float64 body's operations in the same order; the only
 * intended differences are that the hyperparameters are rounded to float once (−lr, μ, 1 − τ, λ,
 * β₁, β₂, 1 − β₁, 1 − β₂, ε, 1 − lr·λ, −lr/c₁, √c₂) and that v's update is written
 * (g·g)·(1 − β₂), the product the vector body forms.
 */
final class UpdateKernels32 {
    private UpdateKernels32() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** An update over whole vectors [lo, hi) of the arrays, in place. */
    private interface Body { void run(float[][] arrays, int lo, int hi); }

    /** Runs {@code body} over n elements of the arrays (null ones skipped): whole vectors split among threads, then the padded tail. */
    private static void inPlace(int n, Body body, float[]... arrays) {
        int whole = n / L * L;
        Threads.split(whole, L, 1, (lo, hi) -> body.run(arrays, lo, hi));
        if (whole == n) return;
        float[][] tail = new float[arrays.length][];
        for (int k = 0; k < arrays.length; k++) if (arrays[k] != null) tail[k] = Arrays.copyOfRange(arrays[k], whole, whole + L);
        body.run(tail, 0, L);
        for (int k = 0; k < arrays.length; k++) if (arrays[k] != null) System.arraycopy(tail[k], 0, arrays[k], whole, n - whole);
    }

    /** {@link ReferenceKernels64#sgdUpdate} in float32. */
    static void sgd(float[] p, float[] g, float[] buf, int n, double lr, double momentum, double dampening,
                    double weightDecay, boolean nesterov, boolean first) {
        float lrF = (float) -lr, mu = (float) momentum, keep = (float) (1 - dampening), wd = (float) weightDecay;
        inPlace(n, (a, lo, hi) -> {
            float[] pa = a[0], ga = a[1], ba = a[2];
            for (int i = lo; i < hi; i += L) {
                FloatVector pv = FloatVector.fromArray(S, pa, i);
                FloatVector d = FloatVector.fromArray(S, ga, i);
                if (wd != 0) d = pv.mul(wd).add(d);
                if (mu != 0) {
                    FloatVector bv = first ? d : FloatVector.fromArray(S, ba, i).mul(mu).add(d.mul(keep));
                    bv.intoArray(ba, i);
                    d = nesterov ? bv.mul(mu).add(d) : bv;
                }
                d.mul(lrF).add(pv).intoArray(pa, i);
            }
        }, p, g, momentum != 0 ? buf : null);
    }

    /** {@link ReferenceKernels64#adamUpdate} in float32. */
    static void adam(float[] p, float[] g, float[] m, float[] v, int n, double lr, double beta1, double beta2,
                     double eps, double weightDecay, boolean decoupled, double biasCorrection1, double biasCorrection2Sqrt) {
        float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (1 - beta1), c2 = (float) (1 - beta2);
        float e = (float) eps, wd = (float) weightDecay, decay = (float) (1 - lr * weightDecay);
        float negStep = (float) (-lr / biasCorrection1), bc2 = (float) biasCorrection2Sqrt;
        inPlace(n, (a, lo, hi) -> {
            float[] pa = a[0], ga = a[1], ma = a[2], va = a[3];
            for (int i = lo; i < hi; i += L) {
                FloatVector pv = FloatVector.fromArray(S, pa, i);
                FloatVector gv = FloatVector.fromArray(S, ga, i);
                if (decoupled) pv = pv.mul(decay);
                else if (wd != 0) gv = pv.mul(wd).add(gv);
                FloatVector mv = FloatVector.fromArray(S, ma, i).mul(b1).add(gv.mul(c1));
                FloatVector vv = FloatVector.fromArray(S, va, i).mul(b2).add(gv.mul(gv).mul(c2));
                mv.intoArray(ma, i);
                vv.intoArray(va, i);
                FloatVector denom = vv.lanewise(VectorOperators.SQRT).div(bc2).add(e);
                mv.div(denom).mul(negStep).add(pv).intoArray(pa, i);
            }
        }, p, g, m, v);
    }
}

package io.elbo.autodiff.backend;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 * <p><b>Hyperparameters as vectors:</b> each body broadcasts them once, by the static
 * {@code FloatVector.broadcast(S, x)}, into named vectors before its loop; a scalar operand
 * ({@code v.mul(x)}) broadcasts through the receiver's species, which C2 could not always fold to a
 * constant: in some JVMs the Adam loop compiled as calls to the Vector API's Java fallback and an update
 * of W1's 652 824 parameters took 2.9 ms instead of 0.2–0.4 ms on two threads (Intel Xeon, JDK 17). The
 * same operations either way, so the same bits.
 *
 * <p><b>Moments flushed to zero below the smallest normal float:</b> a moment whose gradient has become exactly
 * zero (a dead ReLU unit's weights) decays by β each step into the subnormal range, where x86 cores run each
 * arithmetic instruction through a microcode assist (about a hundred cycles), and where round-to-nearest leaves
 * m = k·2⁻¹⁴⁹ with k ≤ 4 unchanged by m·0.9 forever. Measured on an Intel Xeon (AVX-512, JDK 17): after three
 * epochs of W1 on Fashion-MNIST 148 293 of the first layer's 313 600 first moments were subnormal and an epoch
 * took 3.1 s instead of 2.6 s. So a stored moment m, v or momentum buffer whose magnitude is below
 * {@link Float#MIN_NORMAL} is stored as zero of its sign (what CPUs' flush-to-zero mode does, and TensorFlow and
 * XLA set on CPU); the test is on the bits (|x| &lt; 2⁻¹²⁶ as integers), so it costs no assist itself. The float64
 * bodies flush below {@link Double#MIN_NORMAL} the same way. The flush is written out at each of its three uses:
 * as a static method of its own it was compiled apart and not inlined into the loops ("callee is too large"),
 * and a W1 step took 14.6 ms instead of 5.6.
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
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    private static final IntVector MAGNITUDE = IntVector.broadcast(I, 0x7fffffff), SIGN = IntVector.broadcast(I, 0x80000000),
            MIN_NORMAL_BITS = IntVector.broadcast(I, Float.floatToRawIntBits(Float.MIN_NORMAL));

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
            FloatVector lrV = FloatVector.broadcast(S, lrF), muV = FloatVector.broadcast(S, mu), keepV = FloatVector.broadcast(S, keep),
                    wdV = FloatVector.broadcast(S, wd);
            for (int i = lo; i < hi; i += L) {
                FloatVector pv = FloatVector.fromArray(S, pa, i);
                FloatVector d = FloatVector.fromArray(S, ga, i);
                if (wd != 0) d = pv.mul(wdV).add(d);
                if (mu != 0) {
                    FloatVector bv = first ? d : FloatVector.fromArray(S, ba, i).mul(muV).add(d.mul(keepV));
                    IntVector bBits = bv.reinterpretAsInts(); // flushed to zero below Float.MIN_NORMAL (the class comment)
                    bv = bBits.blend(bBits.and(SIGN), bBits.and(MAGNITUDE).compare(VectorOperators.LT, MIN_NORMAL_BITS)).reinterpretAsFloats();
                    bv.intoArray(ba, i);
                    d = nesterov ? bv.mul(muV).add(d) : bv;
                }
                d.mul(lrV).add(pv).intoArray(pa, i);
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
            FloatVector b1V = FloatVector.broadcast(S, b1), c1V = FloatVector.broadcast(S, c1), b2V = FloatVector.broadcast(S, b2),
                    c2V = FloatVector.broadcast(S, c2), eV = FloatVector.broadcast(S, e), wdV = FloatVector.broadcast(S, wd),
                    decayV = FloatVector.broadcast(S, decay), stepV = FloatVector.broadcast(S, negStep), bc2V = FloatVector.broadcast(S, bc2);
            for (int i = lo; i < hi; i += L) {
                FloatVector pv = FloatVector.fromArray(S, pa, i);
                FloatVector gv = FloatVector.fromArray(S, ga, i);
                if (decoupled) pv = pv.mul(decayV);
                else if (wd != 0) gv = pv.mul(wdV).add(gv);
                FloatVector mv = FloatVector.fromArray(S, ma, i).mul(b1V).add(gv.mul(c1V));
                FloatVector vv = FloatVector.fromArray(S, va, i).mul(b2V).add(gv.mul(gv).mul(c2V));
                IntVector mBits = mv.reinterpretAsInts(), vBits = vv.reinterpretAsInts(); // flushed to zero below Float.MIN_NORMAL
                mv = mBits.blend(mBits.and(SIGN), mBits.and(MAGNITUDE).compare(VectorOperators.LT, MIN_NORMAL_BITS)).reinterpretAsFloats();
                vv = vBits.blend(vBits.and(SIGN), vBits.and(MAGNITUDE).compare(VectorOperators.LT, MIN_NORMAL_BITS)).reinterpretAsFloats();
                mv.intoArray(ma, i);
                vv.intoArray(va, i);
                FloatVector denom = vv.lanewise(VectorOperators.SQRT).div(bc2V).add(eV);
                mv.div(denom).mul(stepV).add(pv).intoArray(pa, i);
            }
        }, p, g, m, v);
    }
}

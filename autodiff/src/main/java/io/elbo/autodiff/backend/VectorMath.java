package io.elbo.autodiff.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transcendental functions on float vectors built only from exactly rounded IEEE operations (add,
 * mul, fma, div, sqrt, compare, blend, bit casts), so they give the same bits in the interpreter
 * and in compiled code, on every JDK. The JDK's own {@code lanewise(EXP)} does not: compiled, it
 * runs an SVML intrinsic; interpreted, a scalar fallback that may differ in the last bit, which would
 * make a resumed run drift from an uninterrupted one. The polynomials are Cephes' {@code expf} and
 * {@code logf}; results below 2⁻¹²⁶ flush to zero.
 *
 * <p><b>Accuracy</b>, in ulps of the correctly rounded float result, as the kernels built on these compute
 * it (measured over a dense sweep of 4·10⁶ points each, and checked by {@code Float32AccuracyTest}):
 * exp ≤ 1 (on [−87, 88]), log ≤ 1 (on [10⁻³⁰, 10³⁰]), tanh ≤ 1.5, log1p ≤ 2.5 (on (−1, 10⁶]),
 * sigmoid ≤ 2.5 and softplus ≤ 3 (on [−30, 30]).
 */
final class VectorMath {
    private VectorMath() {}

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float EXP_MAX = 88.72283905206835f;
    private static final float EXP_MIN = -87.33654475055310898657f;
    private static final float SQRT_HALF = 0.707106781186547524f;
    /** 1.5·2²³: x + MAGIC − MAGIC rounds |x| &lt; 2²² to the nearest integer, held in MAGIC's low bits. */
    private static final float MAGIC = 0x1.8p23f;
    private static final int MAGIC_BITS = 0x4B400000;
    /** 2²³: an 8-bit integer OR'd into its mantissa gives the float 2²³ + e exactly. */
    private static final int TWO23_BITS = 0x4B000000;

    // Polynomial coefficients as vector constants. A broadcast written in the loop (FloatVector.broadcast
    // per use) costs C2 many IR nodes before it folds; in a function as long as log, those nodes reach
    // C2's inlining node budget (NodeCountInliningCutoff), the remaining calls are not inlined and
    // their vectors are boxed: log ran at 2-5 ns per element instead of 0.5. Static finals fold to
    // constants.
    private static final VectorSpecies<Float> S = VectorKernels32.S;
    private static final FloatVector NEG_LN2_HI = FloatVector.broadcast(S, -LN2_HI), NEG_LN2_LO = FloatVector.broadcast(S, -LN2_LO);
    private static final FloatVector V_LN2_HI = FloatVector.broadcast(S, LN2_HI), V_LN2_LO = FloatVector.broadcast(S, LN2_LO);
    private static final FloatVector ZERO = FloatVector.zero(S), ONE = FloatVector.broadcast(S, 1f), TWO = FloatVector.broadcast(S, 2f);
    private static final FloatVector V_MINUS_HALF = FloatVector.broadcast(S, -0.5f);
    private static final FloatVector EXP_P2 = FloatVector.broadcast(S, 8.3334519073E-3f), EXP_P3 = FloatVector.broadcast(S, 4.1665795894E-2f),
            EXP_P4 = FloatVector.broadcast(S, 1.6666665459E-1f), EXP_P5 = FloatVector.broadcast(S, 5.0000001201E-1f);
    private static final FloatVector V_EXP_MAX = FloatVector.broadcast(S, EXP_MAX), V_EXP_MIN = FloatVector.broadcast(S, EXP_MIN),
            V_LOG2E = FloatVector.broadcast(S, LOG2E), V_MAGIC = FloatVector.broadcast(S, MAGIC),
            EXP_P0 = FloatVector.broadcast(S, 1.9875691500E-4f), EXP_P1 = FloatVector.broadcast(S, 1.3981999507E-3f);
    private static final IntVector I_MAGIC_BITS = IntVector.broadcast(S.withLanes(int.class), MAGIC_BITS),
            I_127 = IntVector.broadcast(S.withLanes(int.class), 127);
    private static final FloatVector LOG_P0 = FloatVector.broadcast(S, 7.0376836292E-2f), LOG_P1 = FloatVector.broadcast(S, -1.1514610310E-1f);
    private static final FloatVector V_MIN_NORMAL = FloatVector.broadcast(S, Float.MIN_NORMAL), V_TWO23 = FloatVector.broadcast(S, 0x1p23f),
            V_EXP_BIAS = FloatVector.broadcast(S, 0x1p23f + 126f), V_23 = FloatVector.broadcast(S, 23f),
            V_SQRT_HALF = FloatVector.broadcast(S, SQRT_HALF), V_SQRT2 = FloatVector.broadcast(S, 1.41421356237f),
            V_HALF = FloatVector.broadcast(S, 0.5f), V_INF = FloatVector.broadcast(S, Float.POSITIVE_INFINITY),
            V_NEG_INF = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), V_NAN = FloatVector.broadcast(S, Float.NaN);
    private static final FloatVector LOG_P2 = FloatVector.broadcast(S, 1.1676998740E-1f), LOG_P3 = FloatVector.broadcast(S, -1.2420140846E-1f),
            LOG_P4 = FloatVector.broadcast(S, 1.4249322787E-1f), LOG_P5 = FloatVector.broadcast(S, -1.6668057665E-1f),
            LOG_P6 = FloatVector.broadcast(S, 2.0000714765E-1f), LOG_P7 = FloatVector.broadcast(S, -2.4999993993E-1f),
            LOG_P8 = FloatVector.broadcast(S, 3.3333331174E-1f);
    private static final FloatVector TANH_P2 = FloatVector.broadcast(S, -5.37397155531E-2f),
            TANH_P3 = FloatVector.broadcast(S, 1.33314422036E-1f), TANH_P4 = FloatVector.broadcast(S, -3.33332819422E-1f);

    /** eˣ: x = n·ln 2 + r with |r| ≤ ln2/2, eʳ by a degree-6 polynomial, then scaled by 2ⁿ. */
    static FloatVector exp(FloatVector x) {
        VectorMask<Float> over = x.compare(VectorOperators.GT, V_EXP_MAX);
        VectorMask<Float> under = x.compare(VectorOperators.LT, V_EXP_MIN);
        VectorMask<Float> nan = x.test(VectorOperators.IS_NAN);
        FloatVector xc = x.max(V_EXP_MIN).min(V_EXP_MAX);
        // n = rint(x·log2 e) by the magic-number trick: adding 1.5·2²³ rounds to an integer, which then
        // sits in the low bits of the sum's representation (no float-to-int conversion, which JDK 17
        // does not compile to a vector instruction).
        FloatVector shifted = xc.fma(V_LOG2E, V_MAGIC);
        FloatVector n = shifted.sub(V_MAGIC);
        FloatVector r = n.fma(NEG_LN2_HI, xc);
        r = n.fma(NEG_LN2_LO, r);
        FloatVector z = r.mul(r);
        FloatVector p = r.fma(EXP_P0, EXP_P1).fma(r, EXP_P2).fma(r, EXP_P3).fma(r, EXP_P4).fma(r, EXP_P5);
        FloatVector y = p.fma(z, r).add(ONE);
        // 2ⁿ as float bits: (n + 127) << 23, with n in [−126, 128]; n = 128 is split in two halves.
        IntVector ni = shifted.reinterpretAsInts().sub(I_MAGIC_BITS);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = half.add(I_127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(half).add(I_127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = y.mul(s1).mul(s2);
        return result.blend(V_INF, over).blend(ZERO, under).blend(x, nan);
    }

    /** ln x: x = m·2ᵉ with m in [√½, √2), ln m by a degree-9 polynomial in m − 1, plus e·ln 2. */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, V_MIN_NORMAL).and(x.compare(VectorOperators.GT, ZERO));
        FloatVector xs = x.blend(x.mul(V_TWO23), subnormal);
        IntVector bits = xs.reinterpretAsInts();
        FloatVector e = bits.lanewise(VectorOperators.LSHR, 23).and(0xff).or(TWO23_BITS).reinterpretAsFloats().sub(V_EXP_BIAS);
        e = e.sub(ZERO.blend(V_23, subnormal));
        FloatVector m = bits.and(0x807fffff).or(0x3f000000).reinterpretAsFloats(); // in [0.5, 1)
        VectorMask<Float> small = m.compare(VectorOperators.LT, V_SQRT_HALF);
        e = e.sub(ZERO.blend(ONE, small));
        m = m.add(ZERO.blend(m, small)).sub(ONE); // m < √½ ? 2m − 1 : m − 1
        return logCore(m, e)
                .blend(V_NEG_INF, x.compare(VectorOperators.EQ, ZERO))
                .blend(V_NAN, x.compare(VectorOperators.LT, ZERO).or(x.test(VectorOperators.IS_NAN)))
                .blend(V_INF, x.compare(VectorOperators.EQ, V_INF));
    }

    /** e·ln 2 + ln(1 + f) for f in [√½ − 1, √2 − 1): Cephes' polynomial, ln 2 in two parts. */
    private static FloatVector logCore(FloatVector f, FloatVector e) {
        FloatVector z = f.mul(f);
        FloatVector y = f.fma(LOG_P0, LOG_P1).fma(f, LOG_P2).fma(f, LOG_P3).fma(f, LOG_P4)
                .fma(f, LOG_P5).fma(f, LOG_P6).fma(f, LOG_P7).fma(f, LOG_P8).mul(f).mul(z);
        y = e.fma(V_LN2_LO, y);
        y = z.fma(V_MINUS_HALF, y);
        return e.fma(V_LN2_HI, f.add(y));
    }

    /**
     * ln(1 + u) for u in [0, 1] (or NaN), the second half of softplus: w = 1 + u lies in [1, 2], so
     * none of log's special cases arise and only one halving brings it to [√½, √2). Kahan's
     * correction ln(w)·u/(w − 1) recovers the digits of u lost in 1 + u; where w rounds to 1 the
     * result is u.
     */
    static FloatVector log1pUnit(FloatVector u) {
        FloatVector w = u.add(ONE);
        VectorMask<Float> big = w.compare(VectorOperators.GT, V_SQRT2);
        FloatVector f = w.mul(ONE.blend(V_HALF, big)).sub(ONE);
        FloatVector d = w.sub(ONE);
        return logCore(f, ZERO.blend(ONE, big)).mul(u.div(d)).blend(u, d.compare(VectorOperators.EQ, ZERO));
    }

    /** ln(1 + x), accurate for small x: with u = 1 + x, log(u)·x/(u − 1) (Kahan), or x where u rounds to 1. */
    static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(1f);
        FloatVector d = u.sub(1f);
        FloatVector lu = log(u);
        FloatVector r = lu.mul(x.div(d));
        VectorMask<Float> exact = d.compare(VectorOperators.EQ, 0f).and(x.test(VectorOperators.IS_NAN).not());
        VectorMask<Float> huge = u.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY);
        return r.blend(x, exact).blend(lu, huge);
    }

    /** tanh x: Cephes' odd polynomial for |x| &lt; 0.625, else sign(x)·(1 − 2/(e^{2|x|} + 1)). */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.lanewise(VectorOperators.ABS);
        FloatVector z = x.mul(x);
        FloatVector poly = z.fma(-5.70498872745E-3f, 2.06390887954E-2f).fma(z, TANH_P2).fma(z, TANH_P3).fma(z, TANH_P4).mul(z).fma(x, x);
        FloatVector big = exp(ax.add(ax)).add(1f);
        big = ONE.sub(TWO.div(big));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        return poly.blend(big, ax.compare(VectorOperators.GE, 0.625f)).blend(x, x.test(VectorOperators.IS_NAN));
    }

    /**
     * ⌊x⌋: t = |x| rounded to an integer by adding and subtracting 2²³ (exact below 2²³, where the
     * spacing of floats reaches 1), given x's sign, minus 1 where that rounded up. |x| ≥ 2²³ (already
     * integers), ±∞ and NaN pass through.
     */
    static FloatVector floor(FloatVector v) {
        FloatVector ax = v.lanewise(VectorOperators.ABS);
        FloatVector t = ax.add(0x1p23f).sub(0x1p23f);
        t = t.blend(t.neg(), v.compare(VectorOperators.LT, 0f));
        FloatVector roundedUp = ZERO.blend(1f, t.compare(VectorOperators.GT, v));
        return t.sub(roundedUp).blend(v, ax.compare(VectorOperators.GE, 0x1p23f).or(v.test(VectorOperators.IS_NAN)));
    }

    /** Rotations by L/2, L/4, ..., 1 lanes, for {@link #sumLanes}; static finals, so the JIT folds them. */
    private static final int LEVELS = Integer.numberOfTrailingZeros(VectorKernels32.S.length());
    private static final VectorShuffle<Float> H0 = halving(0), H1 = halving(1), H2 = halving(2), H3 = halving(3), H4 = halving(4);

    private static VectorShuffle<Float> halving(int level) {
        VectorSpecies<Float> s = VectorKernels32.S;
        int width = level < LEVELS ? s.length() >> (level + 1) : 0; // levels beyond the species' are never used
        return VectorShuffle.fromOp(s, i -> (i + width) % s.length());
    }

    /**
     * Σ of the lanes in one fixed order, a halving tree (lane i + lane i+L/2, then +L/4, ...), written
     * as lanewise adds of rotated vectors so neither the JIT nor the interpreter can reorder it.
     * (reduceLanes(ADD) may use any order; and a plain loop over {@code lane(i)} was seen compiled by
     * JDK 25's C2 into such a reduction in some contexts, changing the last bits.)
     */
    static float sumLanes(FloatVector v) {
        if (LEVELS > 0) v = v.add(v.rearrange(H0));
        if (LEVELS > 1) v = v.add(v.rearrange(H1));
        if (LEVELS > 2) v = v.add(v.rearrange(H2));
        if (LEVELS > 3) v = v.add(v.rearrange(H3));
        if (LEVELS > 4) v = v.add(v.rearrange(H4));
        return v.lane(0);
    }

    /**
     * The virtual width of every float32 reduction: element i of a sum goes to partial sum i mod 16,
     * whatever the hardware's lane count (4, 8 or 16 floats), and the 16 partial sums are combined by one
     * fixed tree ({@link #tree16}). So a sum's bits are a function of the data alone: the same with
     * {@code -XX:MaxVectorSize=16}, 32 or 64, on AVX2 or AVX-512.
     */
    static final int V = 16;

    /**
     * p[o] + … + p[o + 15] by the fixed halving tree t_i = p_i + p_{i+8}, then t_i + t_{i+4}, then + 2,
     * then + 1: the order {@link #sumLanes} takes on 16 lanes, written for any lane count.
     */
    static float tree16(float[] p, int o) {
        float t0 = p[o] + p[o + 8], t1 = p[o + 1] + p[o + 9], t2 = p[o + 2] + p[o + 10], t3 = p[o + 3] + p[o + 11];
        float t4 = p[o + 4] + p[o + 12], t5 = p[o + 5] + p[o + 13], t6 = p[o + 6] + p[o + 14], t7 = p[o + 7] + p[o + 15];
        float u0 = t0 + t4, u1 = t1 + t5, u2 = t2 + t6, u3 = t3 + t7;
        return (u0 + u2) + (u1 + u3);
    }

    /**
     * {@link #tree16} of 16 partial sums held in 16 / L vectors (virtual lanes 0..L−1 in a0, L..2L−1 in
     * a1, ...; the unused ones ignored): its first levels are lanewise adds of those vectors, the rest
     * {@link #sumLanes}. Only for L = 16, 8 or 4.
     */
    static float tree16(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        int l = a0.length();
        if (l == 16) return sumLanes(a0);
        if (l == 8) return sumLanes(a0.add(a1));
        return sumLanes(a0.add(a2).add(a1.add(a3)));
    }
}

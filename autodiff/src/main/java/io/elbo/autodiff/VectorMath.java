package io.elbo.autodiff;

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
 * {@code logf} (errors of about 1 ulp); results below 2⁻¹²⁶ flush to zero.
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

    /** eˣ: x = n·ln 2 + r with |r| ≤ ln2/2, eʳ by a degree-6 polynomial, then scaled by 2ⁿ. */
    static FloatVector exp(FloatVector x) {
        VectorMask<Float> over = x.compare(VectorOperators.GT, EXP_MAX);
        VectorMask<Float> under = x.compare(VectorOperators.LT, EXP_MIN);
        VectorMask<Float> nan = x.test(VectorOperators.IS_NAN);
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        // n = rint(x·log2 e) by the magic-number trick: adding 1.5·2²³ rounds to an integer, which then
        // sits in the low bits of the sum's representation (no float-to-int conversion, which JDK 17
        // does not compile to a vector instruction).
        FloatVector shifted = xc.fma(LOG2E, MAGIC);
        FloatVector n = shifted.sub(MAGIC);
        FloatVector r = n.fma(k(n, -LN2_HI), xc);
        r = n.fma(k(n, -LN2_LO), r);
        FloatVector z = r.mul(r);
        FloatVector p = horner6(r, 1.9875691500E-4f, 1.3981999507E-3f, 8.3334519073E-3f, 4.1665795894E-2f,
                1.6666665459E-1f, 5.0000001201E-1f);
        FloatVector y = p.fma(z, r).add(1f);
        // 2ⁿ as float bits: (n + 127) << 23, with n in [−126, 128]; n = 128 is split in two halves.
        IntVector ni = shifted.reinterpretAsInts().sub(MAGIC_BITS);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = y.mul(s1).mul(s2);
        return result.blend(Float.POSITIVE_INFINITY, over).blend(0f, under).blend(x, nan);
    }

    /** ln x: x = m·2ᵉ with m in [√½, √2), ln m by a degree-9 polynomial in m − 1, plus e·ln 2. */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, Float.MIN_NORMAL).and(x.compare(VectorOperators.GT, 0f));
        FloatVector xs = x.blend(x.mul(0x1p23f), subnormal);
        IntVector bits = xs.reinterpretAsInts();
        FloatVector e = bits.lanewise(VectorOperators.LSHR, 23).and(0xff).or(TWO23_BITS).reinterpretAsFloats().sub(0x1p23f + 126f);
        e = e.sub(FloatVector.zero(e.species()).blend(23f, subnormal));
        FloatVector m = bits.and(0x807fffff).or(0x3f000000).reinterpretAsFloats(); // in [0.5, 1)
        VectorMask<Float> small = m.compare(VectorOperators.LT, SQRT_HALF);
        e = e.sub(FloatVector.zero(e.species()).blend(1f, small));
        m = m.add(m.blend(0f, small.not())).sub(1f); // m < √½ ? 2m − 1 : m − 1
        FloatVector z = m.mul(m);
        FloatVector y = m.fma(7.0376836292E-2f, -1.1514610310E-1f).fma(m, k(m, 1.1676998740E-1f)).fma(m, k(m, -1.2420140846E-1f))
                .fma(m, k(m, 1.4249322787E-1f)).fma(m, k(m, -1.6668057665E-1f)).fma(m, k(m, 2.0000714765E-1f))
                .fma(m, k(m, -2.4999993993E-1f)).fma(m, k(m, 3.3333331174E-1f)).mul(m).mul(z);
        y = e.fma(k(e, LN2_LO), y);
        y = z.fma(k(z, -0.5f), y);
        FloatVector result = m.add(y);
        result = e.fma(k(e, LN2_HI), result);
        return result.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f))
                .blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)))
                .blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
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
        FloatVector poly = z.fma(-5.70498872745E-3f, 2.06390887954E-2f).fma(z, k(z, -5.37397155531E-2f)).fma(z, k(z, 1.33314422036E-1f))
                .fma(z, k(z, -3.33332819422E-1f)).mul(z).fma(x, x);
        FloatVector big = exp(ax.add(ax)).add(1f);
        big = FloatVector.broadcast(x.species(), 1f).sub(FloatVector.broadcast(x.species(), 2f).div(big));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        return poly.blend(big, ax.compare(VectorOperators.GE, 0.625f)).blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** c₀x⁵ + c₁x⁴ + ... + c₅ by Horner's rule with fused multiply-adds (exactly rounded each); no varargs array. */
    static FloatVector horner6(FloatVector x, float c0, float c1, float c2, float c3, float c4, float c5) {
        return x.fma(c0, c1).fma(x, k(x, c2)).fma(x, k(x, c3)).fma(x, k(x, c4)).fma(x, k(x, c5));
    }

    private static FloatVector k(FloatVector like, float c) {
        return FloatVector.broadcast(like.species(), c);
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
        FloatVector roundedUp = FloatVector.zero(v.species()).blend(1f, t.compare(VectorOperators.GT, v));
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
}

package io.elbo.autodiff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * The spec of every differentiable op: its reverse-mode gradient equals central differences in
 * float64 ({@link GradCheck}: full Jacobian, random direction, determinism, zero seed, shapes),
 * over generated shapes (scalars, size-1 axes, broadcast pairs) and values over wide ranges.
 * Smooth ops are also checked to second order. {@code Statistics.coverage} proves the edge
 * shapes are really generated.
 */
@net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true) // statistics are shown when a property fails
class OpGradientProperties {

    // ------------------------------------------------------------------ generators

    /**
     * Shapes of uniformly drawn rank and sizes. (jqwik's default integers are biased towards the lower bound
     * at small generation sizes, which made rank 3 rare enough for the coverage checks to fail about once in
     * six runs of the suite.)
     */
    static Arbitrary<int[]> shapes(int minRank, int maxRank) {
        return uniform(minRank, maxRank).flatMap(r -> uniform(1, 4).array(int[].class).ofSize(r));
    }

    static net.jqwik.api.arbitraries.IntegerArbitrary uniform(int lo, int hi) {
        return Arbitraries.integers().between(lo, hi).withDistribution(net.jqwik.api.RandomDistribution.uniform());
    }

    /** Doubles with 10 decimal places (jqwik's default scale of 2 would make ties and exact zeros common). */
    static Arbitrary<Double> decimals(double lo, double hi) {
        return Arbitraries.doubles().between(lo, hi).ofScale(10);
    }

    static Arbitrary<Tensor> tensors(Arbitrary<int[]> shapes, Arbitrary<Double> values) {
        return shapes.flatMap(s -> values.list().ofSize(Shape.numel(s))
                .map(v -> Tensor.of(v.stream().mapToDouble(Double::doubleValue).toArray(), s)));
    }

    /** Values on a wide symmetric range, with 0 and small magnitudes mixed in. */
    static Arbitrary<Double> wide(double limit) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, decimals(-limit, limit)),
                net.jqwik.api.Tuple.of(2, decimals(-1, 1)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0.0)));
    }

    /** Positive values spread over six orders of magnitude (log-uniform). */
    static Arbitrary<Double> positive(double lo, double hi) {
        return decimals(0, 1).map(u -> Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))));
    }

    /** Values at least {@code gap} away from zero (for ops with a kink at 0). */
    static Arbitrary<Double> awayFromZero(double limit, double gap) {
        return decimals(gap, limit).flatMap(v -> Arbitraries.of(v, -v));
    }

    /**
     * Two shapes that broadcast together, in three kinds with equal frequency: the same shape; the
     * same rank with some axes set to 1 in one of them; or one with leading axes dropped (and maybe
     * some set to 1). The order of the pair is then chosen at random.
     */
    static Arbitrary<int[][]> broadcastShapes() {
        Arbitrary<int[][]> same = shapes(0, 3).map(s -> new int[][] {s, s.clone()});
        Arbitrary<int[][]> sizeOne = uniform(1, 3)
                .flatMap(r -> uniform(2, 4).array(int[].class).ofSize(r))
                .flatMap(s -> Arbitraries.of(true, false).list().ofSize(s.length).filter(l -> l.contains(true)).map(ones -> {
                    int[] t = s.clone();
                    for (int i = 0; i < t.length; i++) if (ones.get(i)) t[i] = 1;
                    return new int[][] {s, t};
                }));
        Arbitrary<int[][]> rankDiffers = shapes(1, 3).flatMap(s -> uniform(1, s.length).flatMap(drop ->
                Arbitraries.of(true, false).list().ofSize(s.length - drop).map(ones -> {
                    int[] t = Arrays.copyOfRange(s, drop, s.length);
                    for (int i = 0; i < t.length; i++) if (ones.get(i)) t[i] = 1;
                    return new int[][] {s, t};
                })));
        return Arbitraries.oneOf(same, sizeOne, rankDiffers)
                .flatMap(p -> Arbitraries.of(true, false).map(swap -> swap ? new int[][] {p[1], p[0]} : p));
    }

    static Arbitrary<Tensor[]> pairs(Arbitrary<Double> a, Arbitrary<Double> b) {
        return broadcastShapes().flatMap(sh -> Combinators.combine(
                tensors(Arbitraries.just(sh[0]), a), tensors(Arbitraries.just(sh[1]), b)).as((x, y) -> new Tensor[] {x, y}));
    }

    /**
     * Collects rank and size-1 axes; checks rank 3 and size-1 axes (and scalars, when generated) occur. With
     * ranks and sizes uniform, a check fails by chance with probability at most (3/4)⁶⁰ ≈ 3·10⁻⁸ per
     * property (every property that uses it makes at least 60 tries).
     */
    static void coverShapes(Tensor... xs) {
        for (Tensor x : xs) {
            Statistics.label("rank").collect(x.rank());
            boolean sizeOne = false;
            for (int d : x.shape) sizeOne |= d == 1;
            Statistics.label("has a size-1 axis").collect(sizeOne);
        }
        Statistics.label("rank").coverage(c -> c.check(3).count(n -> n > 0));
        Statistics.label("has a size-1 axis").coverage(c -> c.check(true).count(n -> n > 0));
    }

    /** {@link #coverShapes} for generators that include rank 0: scalars must occur too. */
    static void coverShapesAndScalars(Tensor... xs) {
        coverShapes(xs);
        Statistics.label("rank").coverage(c -> c.check(0).count(n -> n > 0));
    }

    static void coverBroadcast(Tensor a, Tensor b) {
        coverShapesAndScalars(a, b);
        String kind = Arrays.equals(a.shape, b.shape) ? "same shape" : a.rank() != b.rank() ? "ranks differ" : "size-1 broadcast";
        Statistics.label("broadcast").collect(kind);
        Statistics.label("broadcast").coverage(c -> {
            c.check("same shape").count(n -> n > 0);
            c.check("ranks differ").count(n -> n > 0);
            c.check("size-1 broadcast").count(n -> n > 0);
        });
    }

    static void check(String op, boolean secondOrder, Fn fn, Tensor... xs) {
        GradCheck.of(op, fn).secondOrder(secondOrder).check(xs);
    }

    // ------------------------------------------------------------------ unary

    @Provide Arbitrary<Tensor> wide20() { return tensors(shapes(0, 3), wide(20)); }

    @Provide Arbitrary<Tensor> wide50() { return tensors(shapes(0, 3), wide(50)); }

    @Provide Arbitrary<Tensor> positives() { return tensors(shapes(0, 3), positive(1e-3, 1e3)); }

    @Provide Arbitrary<Tensor> aboveMinusOne() { return tensors(shapes(0, 3), positive(1e-3, 1e3).map(v -> v - 0.999)); }

    @Provide Arbitrary<Tensor> kinked() { return tensors(shapes(0, 3), awayFromZero(20, 1e-3)); }

    @Property(tries = 60)
    void negGradientMatchesCentralDifferences(@ForAll("wide50") Tensor x) {
        coverShapesAndScalars(x);
        check("neg", false, in -> in[0].neg(), x);
    }

    @Property(tries = 60)
    void expGradientMatchesCentralDifferences(@ForAll("wide20") Tensor x) {
        coverShapesAndScalars(x);
        check("exp", true, in -> in[0].exp(), x);
    }

    @Property(tries = 60)
    void logGradientMatchesCentralDifferences(@ForAll("positives") Tensor x) {
        coverShapesAndScalars(x);
        check("log", true, in -> in[0].log(), x);
    }

    @Property(tries = 60)
    void log1pGradientMatchesCentralDifferences(@ForAll("aboveMinusOne") Tensor x) {
        coverShapesAndScalars(x);
        check("log1p", true, in -> in[0].log1p(), x);
    }

    @Property(tries = 60)
    void sqrtGradientMatchesCentralDifferences(@ForAll("positives") Tensor x) {
        coverShapesAndScalars(x);
        check("sqrt", true, in -> in[0].sqrt(), x);
    }

    @Property(tries = 60)
    void absGradientMatchesCentralDifferencesAwayFromZero(@ForAll("kinked") Tensor x) {
        coverShapesAndScalars(x);
        check("abs", false, in -> in[0].abs(), x);
    }

    @Property(tries = 60)
    void squareGradientMatchesCentralDifferences(@ForAll("wide50") Tensor x) {
        coverShapesAndScalars(x);
        check("square", true, in -> in[0].square(), x);
    }

    @Property(tries = 60)
    void reluGradientMatchesCentralDifferencesAwayFromZero(@ForAll("kinked") Tensor x) {
        coverShapesAndScalars(x);
        check("relu", true, in -> in[0].relu(), x);
    }

    @Property(tries = 60)
    void sigmoidGradientMatchesCentralDifferences(@ForAll("wide20") Tensor x) {
        coverShapesAndScalars(x);
        check("sigmoid", true, in -> in[0].sigmoid(), x);
    }

    @Property(tries = 60)
    void tanhGradientMatchesCentralDifferences(@ForAll("wide20") Tensor x) {
        coverShapesAndScalars(x);
        check("tanh", true, in -> in[0].tanh(), x);
    }

    @Property(tries = 60)
    void sinAndCosGradientsMatchCentralDifferences(@ForAll("wide20") Tensor x) {
        coverShapesAndScalars(x);
        check("sin", true, in -> in[0].sin(), x);
        check("cos", true, in -> in[0].cos(), x);
    }

    @Property(tries = 60)
    void softplusGradientMatchesCentralDifferences(@ForAll("wide50") Tensor x) {
        coverShapesAndScalars(x);
        check("softplus", true, in -> in[0].softplus(), x);
    }

    @Property(tries = 60)
    void logSigmoidGradientMatchesCentralDifferences(@ForAll("wide50") Tensor x) {
        coverShapesAndScalars(x);
        check("logSigmoid", true, in -> in[0].logSigmoid(), x);
    }

    @Property(tries = 60)
    void powWithAConstantExponentGradientMatchesCentralDifferences(
            @ForAll("positives") Tensor x, @ForAll("exponents") double p) {
        coverShapesAndScalars(x);
        check("pow(x, " + p + ")", true, in -> in[0].pow(p), x);
    }

    @Provide Arbitrary<Double> exponents() {
        return Arbitraries.of(-2.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 1.7);
    }

    @Property(tries = 60)
    void clampGradientMatchesCentralDifferencesAwayFromTheBounds(@ForAll("kinked") Tensor x) {
        coverShapesAndScalars(x);
        Tensor y = Tensor.of(Arrays.stream(x.toDoubleArray()).map(v -> Math.abs(v - 2) < 1e-3 ? v + 0.01 : v).toArray(), x.shape);
        check("clamp", false, in -> in[0].clamp(-5, 2), y);
    }

    // ------------------------------------------------------------------ binary, broadcasting

    @Provide Arbitrary<Tensor[]> widePairs() { return pairs(wide(20), wide(20)); }

    @Provide Arbitrary<Tensor[]> divisionPairs() { return pairs(wide(20), awayFromZero(50, 0.1)); }

    /**
     * Bases in [0.1, 10], exponents in [−2, 2]: values stay below 100. Wider (0.01^−3 = 10⁶) makes
     * broadcast sums of second derivatives cancel terms of 10⁷, and central differences (the
     * oracle) lose 1e-3 to roundoff there, failing on the oracle's error rather than ours.
     */
    @Provide Arbitrary<Tensor[]> powerPairs() { return pairs(positive(0.1, 10), decimals(-2, 2)); }

    @Property(tries = 80)
    void addGradientMatchesCentralDifferencesUnderBroadcasting(@ForAll("widePairs") Tensor[] ab) {
        coverBroadcast(ab[0], ab[1]);
        check("add", false, in -> in[0].add(in[1]), ab);
    }

    @Property(tries = 80)
    void subGradientMatchesCentralDifferencesUnderBroadcasting(@ForAll("widePairs") Tensor[] ab) {
        coverBroadcast(ab[0], ab[1]);
        check("sub", false, in -> in[0].sub(in[1]), ab);
    }

    @Property(tries = 80)
    void mulGradientMatchesCentralDifferencesUnderBroadcasting(@ForAll("widePairs") Tensor[] ab) {
        coverBroadcast(ab[0], ab[1]);
        check("mul", true, in -> in[0].mul(in[1]), ab);
    }

    @Property(tries = 80)
    void divGradientMatchesCentralDifferencesUnderBroadcasting(@ForAll("divisionPairs") Tensor[] ab) {
        coverBroadcast(ab[0], ab[1]);
        check("div", true, in -> in[0].div(in[1]), ab);
    }

    @Property(tries = 80)
    void powGradientMatchesCentralDifferencesUnderBroadcasting(@ForAll("powerPairs") Tensor[] ab) {
        coverBroadcast(ab[0], ab[1]);
        check("pow", true, in -> in[0].pow(in[1]), ab);
    }

    @Property(tries = 60)
    void whereGradientMatchesCentralDifferencesUnderBroadcasting(@ForAll("widePairs") Tensor[] ab) {
        coverBroadcast(ab[0], ab[1]);
        Tensor mask = Ops.gt(ab[0], Tensor.scalar(0.0));
        check("where", false, in -> Ops.where(mask, in[0], in[1]), ab);
    }

    @Property(tries = 60)
    void bceWithLogitsGradientMatchesCentralDifferences(@ForAll("bcePairs") Tensor[] xt) {
        coverBroadcast(xt[0], xt[1]);
        check("binaryCrossEntropyWithLogits", true, in -> Fused.binaryCrossEntropyWithLogits(in[0], in[1]), xt);
    }

    @Provide Arbitrary<Tensor[]> bcePairs() { return pairs(wide(30), decimals(0, 1)); }

    /**
     * Logits and targets for the summed cross-entropy: of one shape for two tries in three (rank 1 to 3, the last
     * axis 1 to 37 wide: whole vectors of 16 and 8 lanes and their tails; the fused path), else broadcast
     * pairs of rank 1 or more (the composition's path).
     */
    @Provide Arbitrary<Tensor[]> bceRowPairs() {
        Arbitrary<Tensor[]> same = Combinators.combine(shapes(0, 2), uniform(1, 37)).as((lead, d) -> concat(lead, new int[] {d}))
                .flatMap(s -> Combinators.combine(tensors(Arbitraries.just(s), wide(30)), tensors(Arbitraries.just(s), decimals(0, 1)))
                        .as((x, t) -> new Tensor[] {x, t}));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(2, same),
                net.jqwik.api.Tuple.of(1, bcePairs().filter(xt -> xt[0].rank() > 0 && xt[1].rank() > 0)));
    }

    @Property(tries = 60)
    void bceWithLogitsSumGradientMatchesCentralDifferences(@ForAll("bceRowPairs") Tensor[] xt) {
        Statistics.label("path").collect(Arrays.equals(xt[0].shape(), xt[1].shape()) ? "fused" : "composition");
        check("binaryCrossEntropyWithLogitsSum", true, in -> Fused.binaryCrossEntropyWithLogitsSum(in[0], in[1]), xt);
    }

    /**
     * The summed cross-entropy is {@code binaryCrossEntropyWithLogits(x, t).sum(false, -1)} bit for bit, in float32
     * and float64: its values and the gradients of the logits and the targets.
     */
    @Property(tries = 60)
    void bceWithLogitsSumIsTheSumOfItsTermsBitForBit(@ForAll("bceRowPairs") Tensor[] xt, @ForAll boolean float32) {
        DType dt = float32 ? DType.FLOAT32 : DType.FLOAT64;
        double[][] fused = bceValueAndGradients(xt, dt, Fused::binaryCrossEntropyWithLogitsSum);
        double[][] composed = bceValueAndGradients(xt, dt, (x, t) -> Fused.binaryCrossEntropyWithLogits(x, t).sum(false, -1));
        for (int i = 0; i < fused.length; i++) org.junit.jupiter.api.Assertions.assertArrayEquals(composed[i], fused[i], 0.0, "part " + i);
    }

    /**
     * The same on W1's shapes, 128 rows of 784 (whole vectors) and of 785 (a tail), where the rows are split
     * among threads: with 1, 2 and 3 threads, against the composition on one.
     */
    @Test
    void bceWithLogitsSumIsTheSumOfItsTermsBitForBitOnAnyNumberOfThreads() {
        int before = io.elbo.autodiff.backend.Threads.count();
        java.util.Random r = new java.util.Random(7);
        try {
            for (int d : new int[] {784, 785}) {
                double[] x = new double[128 * d], t = new double[128 * d];
                for (int i = 0; i < x.length; i++) {
                    x[i] = 20 * r.nextGaussian();
                    t[i] = r.nextDouble();
                }
                Tensor[] xt = {Tensor.of(x, 128, d), Tensor.of(t, 128, d)};
                io.elbo.autodiff.backend.Threads.set(1);
                double[][] composed = bceValueAndGradients(xt, DType.FLOAT32, (a, b) -> Fused.binaryCrossEntropyWithLogits(a, b).sum(false, -1));
                for (int threads = 1; threads <= 3; threads++) {
                    io.elbo.autodiff.backend.Threads.set(threads);
                    double[][] fused = bceValueAndGradients(xt, DType.FLOAT32, Fused::binaryCrossEntropyWithLogitsSum);
                    for (int i = 0; i < fused.length; i++) {
                        org.junit.jupiter.api.Assertions.assertArrayEquals(composed[i], fused[i], 0.0, d + " columns, " + threads + " threads, part " + i);
                    }
                }
            }
        } finally {
            io.elbo.autodiff.backend.Threads.set(before);
        }
    }

    /** The value and ∂(Σ out·c)/∂x, ∂(Σ out·c)/∂t for a fixed c, in dtype dt. */
    static double[][] bceValueAndGradients(Tensor[] xt, DType dt, java.util.function.BinaryOperator<Tensor> f) {
        Tensor x = fresh(xt[0], dt), t = fresh(xt[1], dt);
        Tensor out = f.apply(x, t);
        double[] c = new double[out.numel()];
        for (int i = 0; i < c.length; i++) c[i] = Math.sin(i + 1);
        out.mul(Tensor.of(c, out.shape()).to(dt)).sum().backward();
        return new double[][] {out.toDoubleArray(), x.grad().toDoubleArray(), t.grad().toDoubleArray()};
    }

    @Property(tries = 60)
    void mseGradientMatchesCentralDifferences(@ForAll("widePairs") Tensor[] ab) {
        coverBroadcast(ab[0], ab[1]);
        check("mse", true, in -> Ops.mse(in[0], in[1]), ab);
    }

    // ------------------------------------------------------------------ reductions

    @Provide Arbitrary<Tensor> rank1to3() { return tensors(shapes(1, 3), wide(20)); }

    @Provide Arbitrary<Tensor> distinct() {
        // Values on a grid of spacing 0.5 plus a small per-element jitter: no two are within 1e-3.
        return shapes(1, 3).flatMap(s -> Arbitraries.integers().between(0, 9999).set().ofSize(Shape.numel(s))
                .map(set -> {
                    double[] v = set.stream().mapToDouble(i -> (i - 5000) * 0.5e-2 + 1e-4 * (i % 7)).toArray();
                    return Tensor.of(v, s);
                }));
    }

    static List<int[]> axisSubsets(int rank) {
        List<int[]> out = new ArrayList<>();
        for (int mask = 0; mask < (1 << rank); mask++) {
            int[] axes = new int[Integer.bitCount(mask)];
            for (int i = 0, j = 0; i < rank; i++) if ((mask & (1 << i)) != 0) axes[j++] = i;
            out.add(axes);
        }
        return out;
    }

    @Property(tries = 60)
    void sumAndMeanGradientsMatchCentralDifferencesForEveryAxisSet(@ForAll("rank1to3") Tensor x, @ForAll boolean keepDims) {
        coverShapes(x);
        for (int[] axes : axisSubsets(x.rank())) {
            check("sum" + Arrays.toString(axes), false, in -> in[0].sum(keepDims, axes), x);
            check("mean" + Arrays.toString(axes), false, in -> in[0].mean(keepDims, axes), x);
        }
    }

    @Property(tries = 60)
    void maxGradientMatchesCentralDifferencesWithoutTies(@ForAll("distinct") Tensor x, @ForAll boolean keepDims) {
        coverShapes(x);
        for (int[] axes : axisSubsets(x.rank())) {
            check("max" + Arrays.toString(axes), false, in -> in[0].max(keepDims, axes), x);
        }
    }

    @Property(tries = 60)
    void logSumExpGradientMatchesCentralDifferences(@ForAll("rank1to3") Tensor x, @ForAll boolean keepDims) {
        coverShapes(x);
        for (int axis = 0; axis < x.rank(); axis++) {
            int ax = axis;
            check("logSumExp axis " + ax, true, in -> in[0].logSumExp(keepDims, ax), x);
        }
    }

    /** A weight of x's shape, 1..n, so a sum of softmax (always 1) is not what is checked. */
    static Tensor ramp(Tensor x) {
        return Tensor.arange(1, 1 + x.numel(), 1, DType.FLOAT64).reshape(x.shape());
    }

    @Property(tries = 60)
    void softmaxAndLogSoftmaxGradientsMatchCentralDifferencesToSecondOrderAlongEveryAxis(@ForAll("rank1to3") Tensor x) {
        coverShapes(x);
        for (int axis = -x.rank(); axis < x.rank(); axis++) {
            int ax = axis;
            check("softmax axis " + ax, true, in -> in[0].softmax(ax).mul(ramp(x)), x);
            check("logSoftmax axis " + ax, true, in -> in[0].logSoftmax(ax).mul(ramp(x)), x);
        }
    }

    // ------------------------------------------------------------------ movement

    @Property(tries = 60)
    void permuteAndTransposeGradientsMatchCentralDifferences(@ForAll("rank1to3") Tensor x) {
        coverShapes(x);
        int r = x.rank();
        int[] reversed = new int[r];
        for (int i = 0; i < r; i++) reversed[i] = r - 1 - i;
        check("permute", false, in -> in[0].permute(reversed).mul(Tensor.arange(1, 1 + x.numel(), 1, DType.FLOAT64)
                .reshape(in[0].permute(reversed).shape())), x);
        check("transpose", false, in -> in[0].transpose(0, r - 1).square(), x);
    }

    @Property(tries = 60)
    void reshapeAndExpandGradientsMatchCentralDifferences(@ForAll("wide20") Tensor x) {
        coverShapesAndScalars(x);
        check("reshape", false, in -> in[0].reshape(-1).square(), x);
        int[] big = new int[x.rank() + 1];
        big[0] = 3;
        for (int i = 0; i < x.rank(); i++) big[i + 1] = x.shape[i] == 1 ? 2 : x.shape[i];
        check("expand", false, in -> in[0].expand(big).mul(Tensor.arange(1, 1 + Shape.numel(big), 1, DType.FLOAT64).reshape(big)), x);
        check("sumTo", false, in -> Ops.sumTo(in[0].expand(big).square(), x.shape), x);
    }

    @Property(tries = 60)
    void sliceAndPadGradientsMatchCentralDifferences(@ForAll("rank1to3") Tensor x, @ForAll("fractions") double f) {
        coverShapes(x);
        int axis = x.rank() - 1, dim = x.shape[axis];
        int start = (int) (f * dim), end = Math.min(dim, start + 1 + (int) (f * 3));
        check("slice", false, in -> in[0].slice(axis, start, end).square(), x);
        check("pad", false, in -> Ops.pad(in[0], 0, 1, 2).square(), x);
    }

    @Provide Arbitrary<Double> fractions() { return decimals(0, 0.999); }

    @Property(tries = 60)
    void concatGradientMatchesCentralDifferences(@ForAll("rank1to3") Tensor x, @ForAll("rank1to3") Tensor y) {
        coverShapes(x, y);
        int axis = x.rank() - 1;
        int[] ys = x.shape.clone();
        ys[axis] = y.shape[y.rank() - 1];
        Tensor y2 = Tensor.of(Arrays.copyOf(y.toDoubleArray(), Shape.numel(ys)), ys);
        check("concat", false, in -> Ops.concat(axis, in[0], in[1], in[0]).square(), x, y2);
    }

    @Property(tries = 60)
    void stackGradientMatchesCentralDifferencesAlongEveryNewAxis(@ForAll("wide20") Tensor x, @ForAll("wide20") Tensor y) {
        coverShapesAndScalars(x, y);
        Tensor y2 = Tensor.of(Arrays.copyOf(y.toDoubleArray(), x.numel()), x.shape);
        for (int axis = -x.rank() - 1; axis <= x.rank(); axis++) {
            int ax = axis;
            check("stack axis " + ax, true, in -> {
                Tensor three = Ops.stack(ax, in[0], in[1], in[0]).square(), two = Ops.stack(ax, in[1], in[0]);
                return three.mul(ramp(three)).sum().add(two.mul(ramp(two)).sum());
            }, x, y2);
        }
    }

    @Provide Arbitrary<Tensor[]> gatherCases() {
        return tensors(shapes(1, 3), wide(20)).flatMap(x -> uniform(0, x.rank() - 1).flatMap(axis -> {
            int[] is = x.shape.clone();
            for (int d = 0; d < is.length; d++) if (d != axis) is[d] = Math.max(1, is[d] - (d % 2));
            is[axis] = 1 + (x.shape[axis] + 1) % 4; // also larger than the axis: indices repeat
            return uniform(0, x.shape[axis] - 1).list().ofSize(Shape.numel(is)).map(v -> new Tensor[] {
                    x, Tensor.of(v.stream().mapToDouble(Integer::doubleValue).toArray(), is), Tensor.scalar(axis)});
        }));
    }

    @Property(tries = 80)
    void gatherGradientMatchesCentralDifferencesWithRepeatedIndices(@ForAll("gatherCases") Tensor[] xia) {
        Tensor x = xia[0], index = xia[1];
        int axis = (int) xia[2].item();
        coverShapes(x);
        boolean repeats = java.util.Arrays.stream(index.toDoubleArray()).distinct().count() < index.numel();
        Statistics.label("an index repeats").collect(repeats);
        Statistics.label("an index repeats").coverage(c -> c.check(true).count(n -> n > 0));
        check("gather axis " + axis, true, in -> in[0].gather(axis, index).square().mul(ramp(index)), x);
    }

    @Property(tries = 60)
    void indexSelectTakeAndAddAtGradientsMatchCentralDifferences(@ForAll("rank1to3") Tensor x, @ForAll("fractions") double f) {
        coverShapes(x);
        int axis = (int) (f * x.rank()), dim = x.shape[axis];
        int[] indices = {dim - 1, 0, dim - 1, (int) (f * dim)};
        check("indexSelect axis " + axis, true, in -> in[0].indexSelect(axis, indices).square(), x);
        int[] flat = {x.numel() - 1, 0, (int) (f * x.numel()), x.numel() - 1};
        check("take", true, in -> Ops.take(in[0], flat, 2, 2).square().mul(Tensor.of(1.0, -2.0)), x);
        check("addAt", true, in -> Ops.addAt(in[0].reshape(-1).slice(0, 0, 1).expand(4), flat, x.shape()).square().mul(ramp(x)), x);
    }

    // ------------------------------------------------------------------ matmul

    @Provide Arbitrary<Tensor[]> matmulPairs() {
        Arbitrary<Integer> d = Arbitraries.integers().between(1, 4);
        Arbitrary<int[]> batch = Arbitraries.of(new int[0], new int[] {1}, new int[] {2}, new int[] {3, 2}, new int[] {2, 1});
        return Combinators.combine(d, d, d, batch, batch, Arbitraries.integers().between(0, 3)).flatAs((m, k, n, ba, bb, layout) -> {
            boolean ta = (layout & 1) != 0, tb = (layout & 2) != 0;
            int[] bBatch = bb.length == 2 && ba.length == 2 ? new int[] {ba[0] == 3 ? 1 : 3, ba[1]} : bb;
            if (bBatch.length == 2 && ba.length == 2 && ba[0] != 1 && bBatch[0] != 1 && ba[0] != bBatch[0]) bBatch = ba;
            int[] as = concat(ba, ta ? new int[] {k, m} : new int[] {m, k});
            int[] bs = concat(bBatch, tb ? new int[] {n, k} : new int[] {k, n});
            return Combinators.combine(tensors(Arbitraries.just(as), wide(3)), tensors(Arbitraries.just(bs), wide(3)))
                    .as((a, b) -> new Tensor[] {a, b, Tensor.scalar(layout)});
        });
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Property(tries = 100)
    void matmulGradientMatchesCentralDifferencesInEveryLayoutAndBatchBroadcast(@ForAll("matmulPairs") Tensor[] abl) {
        int layout = (int) abl[2].item();
        boolean ta = (layout & 1) != 0, tb = (layout & 2) != 0;
        Statistics.label("layout").collect((ta ? "Aᵀ" : "A") + "·" + (tb ? "Bᵀ" : "B"));
        Statistics.label("batched").collect(abl[0].rank() > 2 || abl[1].rank() > 2);
        Statistics.label("batched").coverage(c -> c.check(true).count(n -> n > 0));
        check("matmul", true, in -> Ops.matmul(in[0], in[1], ta, tb), abl[0], abl[1]);
    }

    /** A vector and a matrix, batched or not, in either order, or two vectors. */
    @Provide Arbitrary<Tensor[]> vectorMatmulPairs() {
        Arbitrary<Integer> d = uniform(1, 4);
        Arbitrary<int[]> batch = Arbitraries.of(new int[0], new int[] {2}, new int[] {3, 1});
        return Combinators.combine(d, d, batch, uniform(0, 2)).flatAs((k, n, b, kind) -> {
            int[] vs = {k}, ms = concat(b, kind == 1 ? new int[] {n, k} : new int[] {k, n});
            int[] as = kind == 0 ? vs : kind == 1 ? ms : vs, bs = kind == 0 ? ms : vs;
            return Combinators.combine(tensors(Arbitraries.just(as), wide(3)), tensors(Arbitraries.just(bs), wide(3)))
                    .as((a, bb) -> new Tensor[] {a, bb});
        });
    }

    @Property(tries = 80)
    void matmulWithVectorsGradientMatchesCentralDifferences(@ForAll("vectorMatmulPairs") Tensor[] ab) {
        String kind = ab[0].rank() == 1 && ab[1].rank() == 1 ? "vector·vector" : ab[0].rank() == 1 ? "vector·matrix" : "matrix·vector";
        Statistics.label("kind").collect(kind);
        Statistics.label("kind").coverage(c -> {
            c.check("vector·vector").count(n -> n > 0);
            c.check("vector·matrix").count(n -> n > 0);
            c.check("matrix·vector").count(n -> n > 0);
        });
        check("matmul " + kind, true, in -> in[0].matmul(in[1]).square(), ab);
    }

    // ------------------------------------------------------------------ fused ops

    /** x [lead..., in], W [out, in] and b [out] (b as an empty tensor when the layer has no bias). */
    @Provide Arbitrary<Tensor[]> linearTriples() {
        return linearTriples(wide(3));
    }

    /** As {@link #linearTriples()}, with no value within 0.05 of 0 (so a pre-activation of exactly 0 is rare). */
    @Provide Arbitrary<Tensor[]> nonzeroLinearTriples() {
        return linearTriples(awayFromZero(3, 0.05));
    }

    static Arbitrary<Tensor[]> linearTriples(Arbitrary<Double> values) {
        Arbitrary<Integer> d = Arbitraries.integers().between(1, 4);
        Arbitrary<int[]> lead = Arbitraries.of(new int[0], new int[] {1}, new int[] {3}, new int[] {2, 3});
        return Combinators.combine(d, d, lead, Arbitraries.of(true, false)).flatAs((in, out, ld, bias) -> Combinators.combine(
                tensors(Arbitraries.just(concat(ld, new int[] {in})), values),
                tensors(Arbitraries.just(new int[] {out, in}), values),
                tensors(Arbitraries.just(new int[] {bias ? out : 0}), values)).as((x, w, b) -> new Tensor[] {x, w, b}));
    }

    @Property(tries = 80)
    void linearGradientMatchesCentralDifferences(@ForAll("linearTriples") Tensor[] xwb) {
        boolean bias = xwb[2].numel() > 0;
        Statistics.label("bias").collect(bias);
        Statistics.label("input rank").collect(xwb[0].rank());
        Statistics.label("bias").coverage(c -> c.check(false).count(n -> n > 0));
        Statistics.label("input rank").coverage(c -> c.check(1).count(n -> n > 0));
        if (bias) check("linear", true, in -> Fused.linear(in[0], in[1], in[2]), xwb);
        else check("linear", true, in -> Fused.linear(in[0], in[1], null), xwb[0], xwb[1]);
    }

    @Property(tries = 40)
    void linearEqualsMatmulWithTheTransposePlusTheBias(@ForAll("linearTriples") Tensor[] xwb) {
        Tensor x = xwb[0], w = xwb[1], b = xwb[2].numel() > 0 ? xwb[2] : null;
        Tensor expected = Ops.matmul(x.rank() == 1 ? x.reshape(1, -1) : x, w, false, true);
        if (b != null) expected = expected.add(b);
        Tensor actual = Fused.linear(x, w, b);
        if (x.rank() == 1) actual = actual.reshape(1, -1);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 0.0);
    }

    /**
     * relu(x·Wᵀ + b) as one op: away from the kink (every pre-activation at least 10⁻⁴ from 0, a hundred
     * times what the checker's steps of 10⁻⁶ can move it), its gradient matches central differences, to
     * second order.
     */
    @Property(tries = 60)
    void linearReluGradientMatchesCentralDifferencesAwayFromTheKink(@ForAll("nonzeroLinearTriples") Tensor[] xwb) {
        Tensor b = xwb[2].numel() > 0 ? xwb[2] : null;
        Tensor pre = Fused.linear(xwb[0], xwb[1], b);
        net.jqwik.api.Assume.that(Arrays.stream(pre.toDoubleArray()).allMatch(v -> Math.abs(v) > 1e-4));
        Statistics.label("active").collect(Arrays.stream(pre.toDoubleArray()).anyMatch(v -> v > 0) ? "some units active" : "none active");
        if (b != null) check("linearRelu", true, in -> Fused.linearRelu(in[0], in[1], in[2]), xwb);
        else check("linearRelu", true, in -> Fused.linearRelu(in[0], in[1], null), xwb[0], xwb[1]);
    }

    /** The fused layer is relu(linear(·)) bit for bit: the values and the gradients of all three inputs. */
    @Property(tries = 40)
    void linearReluIsReluOfLinearBitForBit(@ForAll("linearTriples") Tensor[] xwb, @ForAll boolean float32) {
        DType dt = float32 ? DType.FLOAT32 : DType.FLOAT64;
        double[][] fused = valueAndGradients(xwb, dt, (x, w, b) -> Fused.linearRelu(x, w, b));
        double[][] composed = valueAndGradients(xwb, dt, (x, w, b) -> Fused.linear(x, w, b).relu());
        for (int i = 0; i < fused.length; i++) org.junit.jupiter.api.Assertions.assertArrayEquals(composed[i], fused[i], 0.0, "part " + i);
    }

    interface Layer { Tensor apply(Tensor x, Tensor w, Tensor b); }

    /** The layer's output and ∂(Σ out·c)/∂x, W, b for a fixed c, in dtype dt. */
    static double[][] valueAndGradients(Tensor[] xwb, DType dt, Layer f) {
        Tensor x = fresh(xwb[0], dt), w = fresh(xwb[1], dt), b = xwb[2].numel() > 0 ? fresh(xwb[2], dt) : null;
        Tensor out = f.apply(x, w, b);
        double[] c = new double[out.numel()];
        for (int i = 0; i < c.length; i++) c[i] = Math.sin(i + 1);
        out.mul(Tensor.of(c, out.shape()).to(dt)).sum().backward();
        return new double[][] {out.toDoubleArray(), x.grad().toDoubleArray(), w.grad().toDoubleArray(),
                b == null ? new double[0] : b.grad().toDoubleArray()};
    }

    /** A new leaf variable with t's values in dtype dt. */
    static Tensor fresh(Tensor t, DType dt) {
        return Tensor.of(t.toDoubleArray(), t.shape()).to(dt).variable();
    }

    /** μ and σ of one shape, ε with 0 to 2 leading sample axes. */
    @Provide Arbitrary<Tensor[]> reparameterizeTriples() {
        return Combinators.combine(shapes(0, 2), Arbitraries.of(new int[0], new int[] {3}, new int[] {2, 2})).flatAs((s, lead) ->
                Combinators.combine(tensors(Arbitraries.just(s), wide(5)), tensors(Arbitraries.just(s), positive(0.01, 10)),
                        tensors(Arbitraries.just(concat(lead, s)), wide(3))).as((m, sg, e) -> new Tensor[] {m, sg, e}));
    }

    @Property(tries = 60)
    void reparameterizeGradientMatchesCentralDifferences(@ForAll("reparameterizeTriples") Tensor[] mse) {
        Statistics.label("sample axes").collect(mse[2].rank() - mse[0].rank());
        Statistics.label("sample axes").coverage(c -> c.check(2).count(n -> n > 0));
        check("reparameterize", true, in -> Fused.reparameterize(in[0], in[1], in[2]), mse);
    }

    @Provide Arbitrary<Tensor[]> meanAndLogVariance() {
        return shapes(0, 3).flatMap(s -> Combinators.combine(tensors(Arbitraries.just(s), wide(10)),
                tensors(Arbitraries.just(s), wide(10))).as((m, lv) -> new Tensor[] {m, lv}));
    }

    @Property(tries = 60)
    void klStandardNormalGradientMatchesCentralDifferences(@ForAll("meanAndLogVariance") Tensor[] mlv) {
        coverShapesAndScalars(mlv);
        check("klStandardNormal", true, in -> Fused.klStandardNormal(in[0], in[1]), mlv);
    }

    /**
     * The planar flow's two outputs (z_K and Σ log|det|, one tensor) to first and second order, with one or two
     * leading sample axes, from parameters whose w stays away from 0 (‖w‖² divides the constraint).
     */
    @Property(tries = 30)
    void planarFlowGradientMatchesCentralDifferences(@ForAll @IntRange(min = 1, max = 3) int d, @ForAll @IntRange(min = 1, max = 3) int steps,
                                                     @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll boolean twoSampleAxes,
                                                     @ForAll long seed) {
        java.util.Random r = new java.util.Random(seed);
        int[] lead = twoSampleAxes ? new int[] {2, 1} : new int[] {2};
        double[] w = new double[steps * d * batch];
        for (int i = 0; i < w.length; i++) w[i] = (0.5 + 0.5 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1);
        Tensor z = Tensor.uniform(org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(seed), -2, 2, DType.FLOAT64,
                concat(lead, new int[] {batch, d}));
        Tensor u = Tensor.uniform(org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(seed + 1), -1, 1, DType.FLOAT64, steps * d, batch);
        Tensor b = Tensor.uniform(org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(seed + 2), -1, 1, DType.FLOAT64, steps, batch);
        check("planarFlow", true, in -> Fused.planarFlow(in[0], in[1], in[2], in[3]), z, u, Tensor.of(w, steps * d, batch), b);
    }

}

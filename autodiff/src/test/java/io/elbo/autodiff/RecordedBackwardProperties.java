package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Both gradient paths agree, at the edges. A rule that has a fused kernel uses it when the backward pass
 * is not recorded and builds the same formula from differentiable ops when it is ({@code createGraph});
 * every other rule runs the same ops either way. For every op, on generated inputs that include exact
 * zeros, clamp bounds, ties and large magnitudes, in float64 and float32, the two give equal gradients
 * (as numbers: {@code -0 == 0}, NaN only where both are NaN). And the conventions at kinks and ties are
 * properties on both paths: relu'(0) = 0, |x|'(0) = 0, clamp' = 1 at (and between) the bounds, and max
 * splits its gradient equally between tied maxima.
 */
class RecordedBackwardProperties {
    @AfterProperty
    void emptyTape() {
        Tape.clear();
    }

    /** An op under test: its name, how many inputs, a function of them, and the domain its inputs come from. */
    record Op(String name, int arity, Function<Tensor[], Tensor> f, Domain domain) {}

    enum Domain { ANY, POSITIVE, ABOVE_MINUS_ONE, NONZERO, PROBABILITY }

    static final double LO = -0.75, HI = 1.25;

    static final List<Op> OPS = List.of(
            new Op("neg", 1, x -> x[0].neg(), Domain.ANY),
            new Op("exp", 1, x -> x[0].exp(), Domain.ANY),
            new Op("log", 1, x -> x[0].log(), Domain.POSITIVE),
            new Op("log1p", 1, x -> x[0].log1p(), Domain.ABOVE_MINUS_ONE),
            new Op("sqrt", 1, x -> x[0].sqrt(), Domain.POSITIVE),
            new Op("abs", 1, x -> x[0].abs(), Domain.ANY),
            new Op("relu", 1, x -> x[0].relu(), Domain.ANY),
            new Op("sigmoid", 1, x -> x[0].sigmoid(), Domain.ANY),
            new Op("tanh", 1, x -> x[0].tanh(), Domain.ANY),
            new Op("sin", 1, x -> x[0].sin(), Domain.ANY),
            new Op("cos", 1, x -> x[0].cos(), Domain.ANY),
            new Op("softplus", 1, x -> x[0].softplus(), Domain.ANY),
            new Op("logSigmoid", 1, x -> x[0].logSigmoid(), Domain.ANY),
            new Op("square", 1, x -> x[0].square(), Domain.ANY),
            new Op("pow 3", 1, x -> x[0].pow(3), Domain.ANY),
            new Op("pow 0", 1, x -> x[0].pow(0), Domain.ANY),
            new Op("pow 0.5", 1, x -> x[0].pow(0.5), Domain.POSITIVE),
            new Op("clamp", 1, x -> x[0].clamp(LO, HI), Domain.ANY),
            new Op("sum", 1, x -> x[0].sum(false, 1), Domain.ANY),
            new Op("mean", 1, x -> x[0].mean(true, 0), Domain.ANY),
            new Op("max", 1, x -> x[0].max(false, 1), Domain.ANY),
            new Op("logSumExp", 1, x -> x[0].logSumExp(false, 1), Domain.ANY),
            new Op("permute/reshape", 1, x -> x[0].transpose(0, 1).reshape(-1), Domain.ANY),
            new Op("slice/pad", 1, x -> Ops.pad(x[0].slice(1, 1, 3), 0, 1, 2), Domain.ANY),
            new Op("expand/sumTo", 1, x -> Ops.sumTo(x[0].reshape(1, 3, 4).expand(2, 3, 4), new int[] {3, 1}), Domain.ANY),
            new Op("add", 2, x -> x[0].add(x[1]), Domain.ANY),
            new Op("sub", 2, x -> x[0].sub(x[1].sum(true, 0)), Domain.ANY),
            new Op("mul", 2, x -> x[0].mul(x[1]), Domain.ANY),
            new Op("div", 2, x -> x[0].div(x[1]), Domain.NONZERO),
            new Op("pow", 2, x -> x[0].pow(x[1]), Domain.POSITIVE),
            new Op("where", 2, x -> Ops.where(Ops.gt(x[0], x[1]), x[0], x[1].mul(2)), Domain.ANY),
            new Op("matmul", 2, x -> x[0].matmul(x[1].transpose(0, 1)), Domain.ANY),
            new Op("concat", 2, x -> Ops.concat(0, x[0], x[1].neg()), Domain.ANY),
            new Op("linear", 3, x -> Fused.linear(x[0], x[1], x[2].slice(1, 0, 1).reshape(3)), Domain.ANY),
            new Op("linearRelu", 3, x -> Fused.linearRelu(x[0], x[1], x[2].slice(1, 0, 1).reshape(3)), Domain.ANY),
            new Op("binaryCrossEntropyWithLogits", 2, x -> Fused.binaryCrossEntropyWithLogits(x[0], x[1].sigmoid()), Domain.ANY),
            new Op("binaryCrossEntropyWithLogitsSum", 2, x -> Fused.binaryCrossEntropyWithLogitsSum(x[0], x[1].sigmoid()), Domain.ANY),
            new Op("reparameterize", 3, x -> Fused.reparameterize(x[0], x[1].exp(), x[2]), Domain.ANY),
            new Op("klStandardNormal", 2, x -> Fused.klStandardNormal(x[0], x[1]), Domain.ANY));

    /**
     * A 3 × 4 tensor whose values are drawn, for a third, from the edges: exact zeros (±0), the clamp
     * bounds, ties (a value repeated), and large magnitudes; the rest uniform. Inputs are all 3 × 4.
     */
    static Tensor edgy(Random r, Domain d, DType dtype) {
        double[] v = new double[12];
        double large = dtype == DType.FLOAT32 ? 80 : 700;
        for (int i = 0; i < v.length; i++) {
            double u = r.nextDouble();
            v[i] = u < 0.08 ? 0.0 : u < 0.12 ? -0.0 : u < 0.18 ? LO : u < 0.24 ? HI : u < 0.32 && i > 0 ? v[r.nextInt(i)]
                    : u < 0.38 ? (r.nextBoolean() ? large : -large) * r.nextDouble() : 6 * r.nextDouble() - 3;
            v[i] = switch (d) {
                case ANY -> v[i];
                case POSITIVE -> Math.abs(v[i]) + 0.125;
                case ABOVE_MINUS_ONE -> Math.abs(v[i]) - 0.875;
                case NONZERO -> v[i] == 0 ? 0.5 : v[i];
                case PROBABILITY -> 1 / (1 + Math.exp(-v[i]));
            };
        }
        return Tensor.fromArray(dtype, v, 3, 4);
    }

    /** The gradients of f at xs for the seed, with the backward pass recorded or not. */
    static List<Tensor> gradients(Op op, Tensor[] xs, long seedOfSeed, boolean createGraph) {
        Tensor[] in = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) in[i] = xs[i].copy().variable();
        Tensor y = op.f().apply(in);
        Random r = new Random(seedOfSeed);
        double[] s = new double[y.numel()];
        for (int i = 0; i < s.length; i++) s[i] = r.nextDouble() < 0.2 ? 0 : 4 * r.nextDouble() - 2;
        Tensor seed = Tensor.fromArray(y.dtype(), s, y.shape());
        List<Tensor> g = Tape.grad(y, List.of(in), (createGraph ? Tape.options().seed(seed).createGraph() : Tape.options().seed(seed)));
        Tape.clear();
        return g;
    }

    @Provide
    Arbitrary<Op> ops() {
        return Arbitraries.of(OPS);
    }

    @Property(tries = 400)
    void theRecordedAndTheFusedBackwardPassGiveEqualGradients(@ForAll("ops") Op op, @ForAll long seed,
                                                             @ForAll @IntRange(min = 0, max = 1) int dtype) {
        DType dt = dtype == 0 ? DType.FLOAT64 : DType.FLOAT32;
        Random r = new Random(seed);
        Tensor[] xs = new Tensor[op.arity()];
        for (int i = 0; i < xs.length; i++) xs[i] = edgy(r, op.domain(), dt);
        List<Tensor> plain = gradients(op, xs, seed, false), recorded = gradients(op, xs, seed, true);
        for (int i = 0; i < xs.length; i++) {
            double[] a = plain.get(i).toDoubleArray(), b = recorded.get(i).toDoubleArray();
            for (int j = 0; j < a.length; j++) {
                if (!(a[j] == b[j] || Double.isNaN(a[j]) && Double.isNaN(b[j]))) {
                    fail(op.name() + " " + dt + ", input " + i + " element " + j + " at " + xs[i].toDoubleArray()[j] + ": without the graph "
                            + a[j] + ", with it " + b[j]);
                }
            }
        }
    }

    // ------------------------------------------------------------------ conventions at kinks and ties

    @Provide
    Arbitrary<Tensor> edgyTensors() {
        return Arbitraries.longs().flatMap(s -> Arbitraries.integers().between(0, 1)
                .map(d -> edgy(new Random(s), Domain.ANY, d == 0 ? DType.FLOAT64 : DType.FLOAT32)));
    }

    /** d(Σ f(x))/dx on both paths, which must agree. */
    static double[] slope(Function<Tensor, Tensor> f, Tensor x) {
        double[][] both = new double[2][];
        for (int k = 0; k < 2; k++) {
            Tensor v = x.copy().variable();
            both[k] = Tape.grad(f.apply(v).sum(), List.of(v), (k == 1 ? Tape.options().createGraph() : Tape.options())).get(0).toDoubleArray();
            Tape.clear();
        }
        for (int i = 0; i < both[0].length; i++) assertTrue(both[0][i] == both[1][i], "both paths at " + i);
        return both[0];
    }

    @Property(tries = 200)
    void reluAbsAndClampFollowTheirConventionsAtTheKinks(@ForAll("edgyTensors") Tensor x) {
        double[] v = x.toDoubleArray(), relu = slope(Tensor::relu, x), abs = slope(Tensor::abs, x), clamp = slope(t -> t.clamp(LO, HI), x);
        for (int i = 0; i < v.length; i++) {
            // Compared as numbers: the gradient at −0 may be −0.
            assertTrue((v[i] > 0 ? 1.0 : 0.0) == relu[i], "relu'(" + v[i] + ") = [x > 0], so relu'(0) = 0; got " + relu[i]);
            assertTrue((v[i] > 0 ? 1.0 : v[i] < 0 ? -1.0 : 0.0) == abs[i], "|x|'(" + v[i] + ") = sign x, so |x|'(0) = 0; got " + abs[i]);
            double lo = x.dtype() == DType.FLOAT32 ? (float) LO : LO, hi = x.dtype() == DType.FLOAT32 ? (float) HI : HI;
            assertTrue((v[i] >= lo && v[i] <= hi ? 1.0 : 0.0) == clamp[i], "clamp'(" + v[i] + ") is 1 at and between the bounds; got "
                    + clamp[i]);
        }
    }

    @Property(tries = 200)
    void maxSplitsItsGradientEquallyBetweenTiedMaxima(@ForAll("edgyTensors") Tensor x, @ForAll @IntRange(min = 0, max = 1) int axis) {
        double[] v = x.toDoubleArray(), g = slope(t -> t.max(false, axis), x);
        int rows = 3, cols = 4;
        List<int[]> groups = new ArrayList<>();
        for (int a = 0; a < (axis == 0 ? cols : rows); a++) {
            int[] idx = new int[axis == 0 ? rows : cols];
            for (int b = 0; b < idx.length; b++) idx[b] = axis == 0 ? b * cols + a : a * cols + b;
            groups.add(idx);
        }
        for (int[] idx : groups) {
            double m = Double.NEGATIVE_INFINITY;
            for (int i : idx) m = Math.max(m, v[i]);
            int ties = 0;
            for (int i : idx) if (v[i] == m) ties++;
            double share = x.dtype() == DType.FLOAT32 ? 1f / ties : 1.0 / ties; // the gradient 1 divided by the count, in the dtype
            for (int i : idx) assertEquals(v[i] == m ? share : 0.0, g[i], "max over a group with " + ties + " tied maxima");
        }
    }
}

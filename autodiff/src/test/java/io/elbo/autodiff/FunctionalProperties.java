package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.elbo.autodiff.Functional.Mode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The functional transforms agree with each other and with central differences, on the code people run. */
class FunctionalProperties {
    static final Tensor W = Tensor.of(new double[] {0.3, -1.2, 0.8, 0.5, 1.1, -0.4, 0.9, 0.2, -0.7, 0.6, -0.3, 1.0}, 3, 4);

    /** Smooth functions ℝ⁴ → ℝ³ built from primitives, a fused op and a reduction. */
    static final List<Fn> FUNCTIONS = List.of(
            in -> W.matmul(in[0].reshape(4, 1)).reshape(3).tanh().mul(in[0].slice(0, 0, 3).sin()),
            in -> in[0].reshape(1, 4).expand(3, 4).mul(W).softplus().sum(1).log(),
            in -> Fused.linear(in[0].reshape(1, 4), W, Tensor.of(0.1, -0.2, 0.3)).reshape(3).sigmoid().div(in[0].slice(0, 1, 4).exp().add(1)),
            in -> in[0].slice(0, 0, 3).mul(in[0].slice(0, 1, 4)).sub(in[0].slice(0, 2, 3).pow(3)).logSumExp(true, 0).expand(3).add(in[0].slice(0, 0, 3)));

    @Provide
    Arbitrary<double[]> points() {
        return Arbitraries.doubles().between(-1.5, 1.5).array(double[].class).ofSize(4);
    }

    /**
     * One Jacobian, three ways: row by row from VJPs, column by column from JVPs (reverse mode transposed),
     * and by central differences; and the Hessian of a scalar function is symmetric and equals the
     * Jacobian of its gradient taken forward.
     */
    @Property(tries = 80)
    void forwardAndReverseJacobiansAgreeWithCentralDifferencesAndHessiansAreSymmetric(
            @ForAll("points") double[] point, @ForAll @IntRange(min = 0, max = 3) int which) {
        Fn f = FUNCTIONS.get(which);
        Tensor x = Tensor.of(point);
        double[] reverse = Functional.jacobian(f, Mode.REVERSE, x).get(0).toDoubleArray();
        double[] forward = Functional.jacobian(f, Mode.FORWARD, x).get(0).toDoubleArray();
        double eps = 1e-6;
        for (int k = 0; k < 4; k++) {
            double[] up = point.clone(), down = point.clone();
            up[k] += eps;
            down[k] -= eps;
            double[] fu = f.apply(Tensor.of(up)).toDoubleArray(), fd = f.apply(Tensor.of(down)).toDoubleArray();
            for (int i = 0; i < 3; i++) {
                double numeric = (fu[i] - fd[i]) / (2 * eps);
                assertEquals(reverse[i * 4 + k], forward[i * 4 + k], 1e-12 * Math.max(1, Math.abs(reverse[i * 4 + k])), "J[" + i + "][" + k + "] both ways");
                assertEquals(numeric, reverse[i * 4 + k], 1e-6 * Math.max(1, Math.abs(numeric)), "J[" + i + "][" + k + "] vs central differences");
            }
        }
        Fn scalar = in -> f.apply(in).sum();
        double[] h = Functional.hessian(scalar, x).toDoubleArray();
        double[] jacobianOfGradient = Functional.jacobian(in -> Functional.grad(scalar, in[0]).get(0), Mode.FORWARD, x).get(0).toDoubleArray();
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(h[i * 4 + j], h[j * 4 + i], 1e-12 * Math.max(1, Math.abs(h[i * 4 + j])), "H symmetric at " + i + "," + j);
                assertEquals(h[i * 4 + j], jacobianOfGradient[i * 4 + j], 1e-12 * Math.max(1, Math.abs(h[i * 4 + j])), "H = J(∇f), forward over reverse");
            }
        }
        assertEquals(0, Tape.size(), "the transforms leave nothing on the tape");
    }

    // ------------------------------------------------------------------ several inputs, several tangents

    /** A function of several inputs with the shapes of its inputs: the same code, seen by every transform. */
    record Multi(String name, int[][] shapes, Fn f) {}

    /** Smooth functions of two or three inputs of different shapes (a scalar among them), vector- and matrix-valued. */
    static final List<Multi> MULTI = List.of(
            new Multi("tanh(y·x) + Σ y²·x", new int[][] {{3}, {2, 3}},
                    in -> in[1].matmul(in[0]).tanh().add(in[1].square().sum(1).mul(in[0].slice(0, 0, 2)))),
            new Multi("sin(y·x)·eˢ + σ(s·x)", new int[][] {{3}, {2, 3}, {}},
                    in -> in[1].mul(in[0]).sin().mul(in[2].exp()).add(in[0].expand(2, 3).mul(in[2]).sigmoid())),
            new Multi("softplus(a·b) + (b·Σa)²/10, scalar", new int[][] {{2, 2}, {2}},
                    in -> in[0].matmul(in[1]).softplus().sum().add(in[1].mul(in[0].sum(0)).pow(2).sum().mul(0.1)).reshape(1)),
            new Multi("logSoftmax(u·vᵀ)·w, three matrices", new int[][] {{2, 1}, {1, 3}, {2, 3}},
                    in -> in[0].matmul(in[1]).logSoftmax(1).mul(in[2]).sin()),
            new Multi("a·b + sin(a)·b², two inputs of one shape", new int[][] {{2, 2}, {2, 2}},
                    in -> in[0].mul(in[1]).add(in[0].sin().mul(in[1].square())).sum(0)));

    @Provide
    Arbitrary<double[]> manyValues() {
        return Arbitraries.doubles().between(-1.5, 1.5).ofScale(10).array(double[].class).ofSize(160);
    }

    /** Consecutive values of {@code pool}, from {@code at[0]} on, shaped as {@code shapes}. */
    static Tensor[] take(double[] pool, int[] at, int[][] shapes) {
        Tensor[] out = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            int n = Shape.numel(shapes[i]);
            out[i] = Tensor.of(java.util.Arrays.copyOfRange(pool, at[0], at[0] + n), shapes[i]);
            at[0] += n;
        }
        return out;
    }

    /** xs + h·ts, input by input (the tangents may be null: no move). */
    static Tensor[] moved(Tensor[] xs, Tensor[] ts, double h) {
        Tensor[] out = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            double[] v = xs[i].toDoubleArray(), t = ts[i].toDoubleArray();
            for (int k = 0; k < v.length; k++) v[k] += h * t[k];
            out[i] = Tensor.of(v, xs[i].shape());
        }
        return out;
    }

    /** The one-hot direction of element k of input i (zeros for the other inputs). */
    static Tensor[] direction(Tensor[] xs, int i, int k) {
        Tensor[] d = new Tensor[xs.length];
        for (int j = 0; j < xs.length; j++) {
            double[] z = new double[xs[j].numel()];
            if (j == i) z[k] = 1;
            d[j] = Tensor.of(z, xs[j].shape());
        }
        return d;
    }

    /** The directional derivative of f at xs along ts by central differences: the oracle for every transform below. */
    static double[] centralDifference(Fn f, Tensor[] xs, Tensor[] ts) {
        double eps = 1e-6;
        double[] up = f.apply(moved(xs, ts, eps)).toDoubleArray(), down = f.apply(moved(xs, ts, -eps)).toDoubleArray();
        double[] d = new double[up.length];
        for (int i = 0; i < d.length; i++) d[i] = (up[i] - down[i]) / (2 * eps);
        return d;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static void close(double expected, double actual, double rel, String what) {
        assertEquals(expected, actual, rel * Math.max(1, Math.abs(expected)), what);
    }

    /**
     * For functions of several inputs: a JVP with tangents on every input at once, for three tangent sets,
     * equals the central difference along all of them together (so each tangent must meet its own input's
     * part of the Jacobian); a VJP with a random cotangent u gives each input the central differences of
     * ⟨u, f⟩ along that input's elements; and the Jacobians built by VJPs and by JVPs equal central
     * differences element by element, block by block.
     */
    @Property(tries = 30)
    void jvpVjpAndJacobiansOfFunctionsOfSeveralInputsAgreeWithCentralDifferencesForSeveralTangents(
            @ForAll("manyValues") double[] pool, @ForAll @IntRange(min = 0, max = 4) int which) {
        Multi m = MULTI.get(which);
        int[] at = {0};
        Tensor[] xs = take(pool, at, m.shapes());
        Tensor y = m.f().apply(xs);
        for (int set = 0; set < 3; set++) {
            Tensor[] ts = take(pool, at, m.shapes());
            double[] jt = Functional.jvp(m.f(), xs, ts).derivative().toDoubleArray();
            double[] numeric = centralDifference(m.f(), xs, ts);
            for (int i = 0; i < jt.length; i++) close(numeric[i], jt[i], 1e-6, m.name() + ": J·t, tangent set " + set + ", element " + i);
        }
        Tensor u = Tensor.of(java.util.Arrays.copyOfRange(pool, at[0], at[0] + y.numel()), y.shape());
        List<Tensor> vjp = Functional.vjp(m.f(), u, xs).grad();
        List<Tensor> reverse = Functional.jacobian(m.f(), Mode.REVERSE, xs), forward = Functional.jacobian(m.f(), Mode.FORWARD, xs);
        for (int i = 0; i < xs.length; i++) {
            int n = xs[i].numel();
            double[] r = reverse.get(i).toDoubleArray(), f = forward.get(i).toDoubleArray(), uv = vjp.get(i).toDoubleArray();
            assertEquals(y.numel() * n, r.length, "Jacobian block " + i + " has shape f ++ x" + i);
            for (int k = 0; k < n; k++) {
                double[] column = centralDifference(m.f(), xs, direction(xs, i, k));
                close(dot(u.toDoubleArray(), column), uv[k], 1e-6, m.name() + ": (uᵀJ) of input " + i + " element " + k);
                for (int o = 0; o < y.numel(); o++) {
                    close(column[o], r[o * n + k], 1e-6, m.name() + ": J" + i + "[" + o + "][" + k + "] by VJPs");
                    close(column[o], f[o * n + k], 1e-6, m.name() + ": J" + i + "[" + o + "][" + k + "] by JVPs");
                }
            }
        }
        assertEquals(0, Tape.size(), "the transforms leave nothing on the tape");
    }

    /**
     * For scalar functions of several inputs (⟨w, f⟩ for a random w): every block of the Hessian equals
     * second central differences, ∂²/∂xᵢₖ∂xⱼₗ ≈ [s(+,+) − s(+,−) − s(−,+) + s(−,−)] / 4h², and the HVP for
     * three vector sets equals that Hessian applied to them: Σⱼ Hᵢⱼ·vⱼ.
     */
    @Property(tries = 15)
    void hessianBlocksAndHvpsOfFunctionsOfSeveralInputsAgreeWithSecondCentralDifferences(
            @ForAll("manyValues") double[] pool, @ForAll @IntRange(min = 0, max = 4) int which) {
        Multi m = MULTI.get(which);
        int[] at = {0};
        Tensor[] xs = take(pool, at, m.shapes());
        int outputs = m.f().apply(xs).numel();
        Tensor w = Tensor.of(java.util.Arrays.copyOfRange(pool, at[0], at[0] + outputs), m.f().apply(xs).shape());
        at[0] += outputs;
        Fn s = in -> m.f().apply(in).mul(w).sum();
        List<List<Tensor>> h = Functional.hessian(s, xs);
        double step = 1e-4;
        double[][][][] numeric = new double[xs.length][xs.length][][];
        for (int i = 0; i < xs.length; i++) {
            for (int j = 0; j < xs.length; j++) {
                int ni = xs[i].numel(), nj = xs[j].numel();
                double[] block = h.get(i).get(j).toDoubleArray();
                numeric[i][j] = new double[ni][nj];
                for (int k = 0; k < ni; k++) {
                    for (int l = 0; l < nj; l++) {
                        Tensor[] a = moved(xs, direction(xs, i, k), step), b = moved(xs, direction(xs, i, k), -step);
                        double pp = s.apply(moved(a, direction(xs, j, l), step)).item(), pm = s.apply(moved(a, direction(xs, j, l), -step)).item();
                        double mp = s.apply(moved(b, direction(xs, j, l), step)).item(), mm = s.apply(moved(b, direction(xs, j, l), -step)).item();
                        numeric[i][j][k][l] = (pp - pm - mp + mm) / (4 * step * step);
                        close(numeric[i][j][k][l], block[k * nj + l], 1e-5, m.name() + ": H" + i + j + "[" + k + "][" + l + "]");
                    }
                }
            }
        }
        for (int set = 0; set < 3; set++) {
            Tensor[] vs = take(pool, at, m.shapes());
            List<Tensor> hv = Functional.hvp(s, xs, vs).derivatives();
            for (int i = 0; i < xs.length; i++) {
                double[] got = hv.get(i).toDoubleArray();
                for (int k = 0; k < got.length; k++) {
                    double expected = 0;
                    for (int j = 0; j < xs.length; j++) expected += dot(numeric[i][j][k], vs[j].toDoubleArray());
                    close(expected, got[k], 1e-5, m.name() + ": (H·v)" + i + "[" + k + "], vector set " + set);
                }
            }
        }
        assertEquals(0, Tape.size(), "the transforms leave nothing on the tape");
    }
}

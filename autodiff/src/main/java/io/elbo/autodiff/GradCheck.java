package io.elbo.autodiff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Checks a function's reverse-mode gradients against central differences in float64, after
 * PyTorch's {@code gradcheck} and JAX's {@code check_grads}:
 *
 * <ol>
 *   <li>the Jacobian, element by element: analytic (one backward pass per output element) against
 *       numeric (f(x + ε·eⱼ) − f(x − ε·eⱼ)) / 2ε, with |a − n| ≤ atol + rtol·|n|, when
 *       inputs × outputs is small enough to afford it;</li>
 *   <li>always, the random-direction identity ⟨t, Jᵀc⟩ = ⟨J t, c⟩ (one backward pass, two
 *       evaluations), which scales to large tensors;</li>
 *   <li>backward run twice gives identical gradients, a zero upstream gradient gives zero, and each
 *       gradient has its input's shape;</li>
 *   <li>optionally second order: the same checks on the vector-Jacobian product x ↦ Jᵀ(x)·c,
 *       differentiated through the recorded backward pass.</li>
 * </ol>
 *
 * Defaults are PyTorch's: ε = 1e-6, atol = 1e-5, rtol = 1e-3. Inputs are copied to float64 leaves.
 * The check runs on the thread's {@link Tape} and leaves it empty.
 * A failure throws {@link GradCheckError} naming the function, the input, the worst element, and
 * the analytic and numeric values.
 */
public final class GradCheck {
    /** A failed check; the message says what, where, and by how much. */
    public static final class GradCheckError extends AssertionError {
        private static final long serialVersionUID = 1L;

        GradCheckError(String message) {
            super(message);
        }
    }

    private final String name;
    private final Fn fn;
    private double eps = 1e-6;
    private double atol = 1e-5;
    private double rtol = 1e-3;
    private boolean secondOrder;
    private long seed = 1234;
    private long fullJacobianLimit = 1 << 14;

    private GradCheck(String name, Fn fn) {
        this.name = name;
        this.fn = fn;
    }

    /** A check of {@code fn}, named {@code name} in failure messages; set tolerances, then {@link #check}. */
    public static GradCheck of(String name, Fn fn) {
        return new GradCheck(name, fn);
    }

    /** The step ε of the central differences (default 1e-6). */
    public GradCheck eps(double v) { eps = v; return this; }

    /** The absolute tolerance (default 1e-5): |analytic − numeric| ≤ atol + rtol·|numeric|. */
    public GradCheck atol(double v) { atol = v; return this; }

    /** The relative tolerance (default 1e-3). */
    public GradCheck rtol(double v) { rtol = v; return this; }

    /** Also check the gradient of the gradient (for smooth functions). */
    public GradCheck secondOrder(boolean v) { secondOrder = v; return this; }

    /** Seed of the random directions. */
    public GradCheck seed(long v) { seed = v; return this; }

    /** The full Jacobian is compared when inputs × outputs is at most this (default 16384). */
    public GradCheck fullJacobianLimit(long v) { fullJacobianLimit = v; return this; }

    /**
     * Runs every check; throws {@link GradCheckError} on the first failure. Everything is computed in
     * float64 with the reference kernels ({@link io.elbo.autodiff.backend.Backend#reference()}), the
     * textbook loops, whatever the JVM's flags.
     */
    public void check(Tensor... inputs) {
        try (var reference = io.elbo.autodiff.backend.Backend.reference()) {
            checkInFloat64(inputs);
        }
    }

    private void checkInFloat64(Tensor... inputs) {
        Tensor[] xs = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            xs[i] = Tensor.of(inputs[i].toDoubleArray(), inputs[i].shape).requiresGrad(true); // keeps rank 0
        }
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
        Tensor y0 = evaluate(xs);
        int m = y0.numel;
        long n = 0;
        for (Tensor x : xs) n += x.numel;

        checkShapesAndZeroSeed(xs, y0);
        if (n * m <= fullJacobianLimit) checkJacobian(xs, y0);
        Tensor c = Tensor.randn(rng, DType.FLOAT64, y0.shape);
        Tensor[] t = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) t[i] = Tensor.randn(rng, DType.FLOAT64, xs[i].shape);
        checkRandomDirection(xs, c, t);
        checkDeterministic(xs, c);

        if (secondOrder) {
            // The vector-Jacobian product x ↦ Jᵀ(x)·c, flattened, is itself checked: its Jacobian is
            // made of second derivatives, computed by differentiating the recorded backward pass.
            GradCheck.of(name + " (second order)", args -> {
                List<Tensor> g = gradients(args, c, true);
                List<Tensor> flat = new ArrayList<>();
                for (Tensor gi : g) flat.add(Ops.reshape(gi, -1));
                return Ops.concat(0, flat);
            }).eps(eps).atol(atol).rtol(rtol).seed(seed + 1).fullJacobianLimit(fullJacobianLimit).checkInFloat64(xs);
        }
    }

    // ------------------------------------------------------------------ the checks

    private void checkShapesAndZeroSeed(Tensor[] xs, Tensor y0) {
        List<Tensor> g = gradients(xs, Tensor.zeros(DType.FLOAT64, y0.shape), false);
        for (int i = 0; i < xs.length; i++) {
            if (!Arrays.equals(g.get(i).shape, xs[i].shape)) {
                throw fail("gradient of input " + i + " has shape " + Shape.str(g.get(i).shape)
                        + ", the input has shape " + Shape.str(xs[i].shape));
            }
            double[] v = g.get(i).toDoubleArray();
            for (int j = 0; j < v.length; j++) {
                if (v[j] != 0) {
                    throw fail("a zero upstream gradient gives " + v[j] + " for input " + i + " at element "
                            + index(xs[i].shape, j) + ", not 0");
                }
            }
        }
    }

    private void checkJacobian(Tensor[] xs, Tensor y0) {
        int m = y0.numel;
        // Analytic: row r of J is the gradient for the seed e_r.
        double[][][] analytic = new double[m][][];
        for (int r = 0; r < m; r++) {
            Tensor e = Tensor.zeros(DType.FLOAT64, y0.shape);
            ((double[]) e.data())[r] = 1;
            List<Tensor> g = gradients(xs, e, false);
            analytic[r] = new double[xs.length][];
            for (int i = 0; i < xs.length; i++) analytic[r][i] = g.get(i).toDoubleArray();
        }
        String worst = null;
        double worstRatio = 1;
        int failures = 0;
        for (int i = 0; i < xs.length; i++) {
            double[] x = (double[]) xs[i].data();
            for (int j = 0; j < x.length; j++) {
                double keep = x[j];
                x[j] = keep + eps;
                double[] plus = evaluate(xs).toDoubleArray();
                x[j] = keep - eps;
                double[] minus = evaluate(xs).toDoubleArray();
                x[j] = keep;
                for (int r = 0; r < m; r++) {
                    double numeric = (plus[r] - minus[r]) / (2 * eps);
                    double a = analytic[r][i][j];
                    double tol = atol + rtol * Math.abs(numeric);
                    double diff = Math.abs(a - numeric);
                    if (diff <= tol || (Double.isInfinite(a) && a == numeric)) continue;
                    failures++;
                    double ratio = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff / tol;
                    if (worst == null || ratio > worstRatio) {
                        worstRatio = ratio;
                        worst = "input " + i + " element " + index(xs[i].shape, j) + " (output element "
                                + index(y0.shape, r) + "): analytic " + a + ", numeric " + numeric
                                + " (|difference| " + diff + " > tolerance " + tol + ")";
                    }
                }
            }
        }
        if (worst != null) throw fail(failures + " Jacobian entries differ; the worst is " + worst);
    }

    private void checkRandomDirection(Tensor[] xs, Tensor c, Tensor[] t) {
        List<Tensor> g = gradients(xs, c, false);
        double lhs = 0, magnitude = 0;
        for (int i = 0; i < xs.length; i++) {
            double[] gi = g.get(i).toDoubleArray(), ti = t[i].toDoubleArray();
            for (int j = 0; j < gi.length; j++) {
                lhs += ti[j] * gi[j];
                magnitude += Math.abs(ti[j] * gi[j]);
            }
        }
        double[] plus = evaluate(shifted(xs, t, eps)).toDoubleArray();
        double[] minus = evaluate(shifted(xs, t, -eps)).toDoubleArray();
        double[] cv = c.toDoubleArray();
        double rhs = 0;
        for (int r = 0; r < cv.length; r++) rhs += (plus[r] - minus[r]) / (2 * eps) * cv[r];
        double tol = atol + rtol * Math.max(Math.abs(rhs), magnitude);
        if (!(Math.abs(lhs - rhs) <= tol)) {
            throw fail("random direction: <t, J^T c> = " + lhs + " but <J t, c> = " + rhs
                    + " (|difference| " + Math.abs(lhs - rhs) + " > tolerance " + tol + ")");
        }
    }

    private void checkDeterministic(Tensor[] xs, Tensor c) {
        List<Tensor> first = gradients(xs, c, false), second = gradients(xs, c, false);
        for (int i = 0; i < xs.length; i++) {
            double[] a = first.get(i).toDoubleArray(), b = second.get(i).toDoubleArray();
            for (int j = 0; j < a.length; j++) {
                if (Double.doubleToLongBits(a[j]) != Double.doubleToLongBits(b[j])) {
                    throw fail("backward run twice differs for input " + i + " at element " + index(xs[i].shape, j)
                            + ": " + a[j] + " then " + b[j]);
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * f(xs) as a plain float64 tensor. Recording stays on (a second-order check's function itself
     * differentiates), and the tape is dropped afterwards.
     */
    private Tensor evaluate(Tensor... xs) {
        Tensor y = fn.apply(xs);
        if (y == null) throw fail("the function returned null");
        Tensor value = y.to(DType.FLOAT64).detach();
        Tape.clear();
        return value;
    }

    /** Jᵀ·seed for every input, from a fresh forward pass. */
    private List<Tensor> gradients(Tensor[] xs, Tensor seed, boolean createGraph) {
        Tensor y = fn.apply(xs).to(DType.FLOAT64);
        if (!y.requiresGrad) {
            List<Tensor> zeros = new ArrayList<>();
            for (Tensor x : xs) zeros.add(Tensor.zeros(DType.FLOAT64, x.shape));
            return zeros;
        }
        Tape.Options options = Tape.options().seed(seed);
        return Tape.grad(y, Arrays.asList(xs), createGraph ? options.createGraph() : options);
    }

    private static Tensor[] shifted(Tensor[] xs, Tensor[] t, double h) {
        Tensor[] out = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            double[] x = xs[i].toDoubleArray(), d = t[i].toDoubleArray();
            for (int j = 0; j < x.length; j++) x[j] += h * d[j];
            out[i] = Tensor.of(x, xs[i].shape).requiresGrad(true);
        }
        return out;
    }

    private static String index(int[] shape, int flat) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(idx);
    }

    private GradCheckError fail(String what) {
        return new GradCheckError("GradCheck '" + name + "': " + what);
    }
}

package io.elbo.autodiff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Derivatives as functions, after JAX's {@code grad}, {@code value_and_grad}, {@code vjp}, {@code jvp},
 * {@code jacfwd}/{@code jacrev}, {@code hessian} and PyTorch's {@code torch.autograd.functional}: each
 * takes a function {@link Fn} of tensors and the point to differentiate at, and returns the result
 * without touching any tensor's {@link Tensor#grad()}.
 *
 * <p><b>How they use the tape.</b> Each transform evaluates f on the thread's {@link Tape} and runs
 * {@link Tape#grad} over what it recorded. Inputs that do not require a gradient are replaced by fresh
 * variables, and the transform's scratch entries are removed from the tape when it returns (what was
 * recorded before the call is left alone); the values it returns are then constants. Inputs that
 * already require a gradient are taken to be variables of an enclosing computation: the transform
 * then records its work ({@code createGraph}) and leaves it on the tape, so its result can be
 * differentiated again. That is how transforms nest:
 * {@code Functional.grad(x -> Functional.grad(f, x[0]).get(0), x)} is f″. Transforms run with
 * recording on, even inside {@link Tape#noGrad()}.
 *
 * <p><b>Forward mode by transposition.</b> {@link #jvp} computes J·t without tangent rules: the
 * vector-Jacobian product u ↦ Jᵀu is linear in u, so recording it once (a backward pass from a seed u
 * that is itself a variable) and differentiating ⟨Jᵀu, t⟩ with respect to u gives J·t. Every op, fused
 * op and {@link CustomOp} whose rule is written with ops gets forward mode from the rule it already
 * has, with nothing new to write or test. The price: a forward pass, a recorded backward pass and a
 * backward pass over that record, about three times the cost and twice the memory of the forward
 * pass, where tangent rules carried along the forward pass would cost about one more forward pass
 * (JAX's {@code jvp}). For a lecture the point survives: one JVP gives a column of J, one VJP a row,
 * so a Jacobian of an m-output, n-input function costs n JVPs or m VJPs (see {@link Mode}).
 */
public final class Functional {
    private Functional() {}

    /** Which way {@link #jacobian(Fn, Mode, Tensor...)} builds a Jacobian. */
    public enum Mode {
        /** One VJP (backward pass) per output element: rows of J. Cheap when outputs are few (a scalar loss). */
        REVERSE,
        /** One JVP per input element: columns of J. Cheap when inputs are few. */
        FORWARD,
        /** REVERSE when the output has at most as many elements as the inputs together, else FORWARD. */
        AUTO
    }

    /** f's value and its gradient with respect to each input (in the inputs' shapes). */
    public record ValueAndGrad(Tensor value, List<Tensor> grad) {}

    /** f's value and one derivative of it (a JVP's J·t, an HVP's H·v). */
    public record ValueAndDerivative(Tensor value, Tensor derivative) {}

    /** A function's value and an auxiliary result carried along undifferentiated (JAX's {@code has_aux}). */
    public record Aux<A>(Tensor value, A aux) {}

    /** A function returning its value and an auxiliary result. */
    @FunctionalInterface
    public interface FnWithAux<A> {
        /** The value to differentiate, and anything else to return with it. */
        Aux<A> apply(Tensor... inputs);
    }

    /** f's value, its gradient, and the auxiliary result f returned. */
    public record ValueGradAux<A>(Tensor value, List<Tensor> grad, A aux) {}

    // ================================================================ reverse mode

    /** ∇f: the gradient of a scalar f with respect to each input, in the input's shape. */
    public static List<Tensor> grad(Fn f, Tensor... xs) {
        return valueAndGrad(f, xs).grad();
    }

    /** f(x) and ∇f(x) from one forward and one backward pass. */
    public static ValueAndGrad valueAndGrad(Fn f, Tensor... xs) {
        return vjp("valueAndGrad", f, null, xs);
    }

    /**
     * f's value, gradient and auxiliary result: {@code f} returns {@code new Aux<>(loss, extra)} and only
     * the loss is differentiated (JAX's {@code value_and_grad(f, has_aux=True)}).
     */
    public static <A> ValueGradAux<A> valueAndGradWithAux(FnWithAux<A> f, Tensor... xs) {
        List<Object> aux = new ArrayList<>(1);
        ValueAndGrad r = vjp("valueAndGradWithAux", in -> {
            Aux<A> a = f.apply(in);
            aux.add(a.aux());
            return a.value();
        }, null, xs);
        @SuppressWarnings("unchecked")
        A a = (A) aux.get(0);
        return new ValueGradAux<>(r.value(), r.grad(), a);
    }

    /**
     * The vector-Jacobian product: f(x) and vᵀ·∂f/∂xᵢ for each input, {@code v} of f's output shape; one
     * backward pass, whatever the sizes (torch.autograd.functional.vjp).
     */
    public static ValueAndGrad vjp(Fn f, Tensor v, Tensor... xs) {
        if (v == null) throw new IllegalArgumentException("vjp: the vector v is null (it has f's output shape)");
        return vjp("vjp", f, v, xs);
    }

    private static ValueAndGrad vjp(String caller, Fn f, Tensor v, Tensor... xs) {
        Scope s = new Scope(xs);
        try (var on = Tape.enableGrad()) {
            Tensor y = s.evaluate(caller, f);
            if (v == null && y.numel != 1) {
                throw new ShapeException(caller + ": f must return one value (shape [] or [1]) to have a gradient, it returned "
                        + Shape.str(y.shape) + "; use vjp(f, v, x) or jacobian(f, x)");
            }
            List<Tensor> g = Tape.grad(y, s.vars, s.options().seed(v));
            return new ValueAndGrad(y, g);
        } finally {
            s.close();
        }
    }

    // ================================================================ forward mode

    /**
     * The Jacobian-vector product: f(x) and Σᵢ ∂f/∂xᵢ·tᵢ, each tangent tᵢ of its input's shape; by
     * transposing the VJP (see the class comment), so its cost is about three forward passes.
     */
    public static ValueAndDerivative jvp(Fn f, Tensor[] xs, Tensor[] tangents) {
        if (tangents.length != xs.length) {
            throw new IllegalArgumentException("jvp: " + xs.length + " inputs but " + tangents.length + " tangents");
        }
        for (int i = 0; i < xs.length; i++) {
            if (!Arrays.equals(xs[i].shape, tangents[i].shape) || xs[i].dtype != tangents[i].dtype) {
                throw new ShapeException("jvp: tangent " + i + " is " + Shape.str(tangents[i].shape) + " " + tangents[i].dtype
                        + ", its input is " + Shape.str(xs[i].shape) + " " + xs[i].dtype + ": they must match");
            }
        }
        Scope s = new Scope(xs);
        try (var on = Tape.enableGrad()) {
            Tensor y = s.evaluate("jvp", f);
            Tensor u = Tensor.zeros(y.dtype, y.shape).requiresGrad(true);
            List<Tensor> jtu = Tape.grad(y, s.vars, Tape.options().seed(u).createGraph());
            Tensor inner = null;
            for (int i = 0; i < xs.length; i++) {
                Tensor term = Ops.sum(Ops.mul(jtu.get(i), tangents[i]));
                inner = inner == null ? term : Ops.add(inner, term);
            }
            Tensor jt = Tape.grad(inner, List.of(u), s.options()).get(0);
            return new ValueAndDerivative(y, jt);
        } finally {
            s.close();
        }
    }

    /** jvp for a function of one input. */
    public static ValueAndDerivative jvp(Fn f, Tensor x, Tensor tangent) {
        return jvp(f, new Tensor[] {x}, new Tensor[] {tangent});
    }

    // ================================================================ Jacobians and Hessians

    /**
     * ∂f/∂xᵢ for each input, of shape f's output shape followed by the input's shape (PyTorch's layout),
     * built {@linkplain Mode#REVERSE row by row} (one VJP per output element) or
     * {@linkplain Mode#FORWARD column by column} (one JVP per input element).
     */
    public static List<Tensor> jacobian(Fn f, Mode mode, Tensor... xs) {
        Scope s = new Scope(xs);
        try (var on = Tape.enableGrad()) {
            Tensor y = s.evaluate("jacobian", f);
            int m = y.numel;
            long n = 0;
            for (Tensor x : xs) n += x.numel;
            boolean reverse = mode == Mode.REVERSE || (mode == Mode.AUTO && m <= n);
            return reverse ? rowsByVjp(s, y) : columnsByJvp(s, y);
        } finally {
            s.close();
        }
    }

    /** The Jacobian of a function of one input, the mode chosen by shape ({@link Mode#AUTO}). */
    public static Tensor jacobian(Fn f, Tensor x) {
        return jacobian(f, Mode.AUTO, x).get(0);
    }

    private static List<Tensor> rowsByVjp(Scope s, Tensor y) {
        List<List<Tensor>> rows = new ArrayList<>();
        for (Tensor x : s.vars) rows.add(new ArrayList<>());
        for (int j = 0; j < y.numel; j++) {
            List<Tensor> g = Tape.grad(y, s.vars, s.options().seed(oneHot(y, j)));
            for (int i = 0; i < g.size(); i++) rows.get(i).add(Ops.reshape(g.get(i), 1, -1));
        }
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < s.vars.size(); i++) out.add(assemble(rows.get(i), 0, y, s.vars.get(i)));
        return out;
    }

    private static List<Tensor> columnsByJvp(Scope s, Tensor y) {
        Tensor u = Tensor.zeros(y.dtype, y.shape).requiresGrad(true);
        List<Tensor> jtu = Tape.grad(y, s.vars, Tape.options().seed(u).createGraph());
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < s.vars.size(); i++) {
            Tensor x = s.vars.get(i);
            List<Tensor> columns = new ArrayList<>();
            for (int k = 0; k < x.numel; k++) {
                Tensor column = Tape.grad(Ops.sum(Ops.mul(jtu.get(i), oneHot(x, k))), List.of(u), s.options()).get(0);
                columns.add(Ops.reshape(column, -1, 1));
            }
            out.add(assemble(columns, 1, y, x));
        }
        return out;
    }

    /** Rows (axis 0) or columns (axis 1) of an m × n matrix joined and shaped y.shape ++ x.shape. */
    private static Tensor assemble(List<Tensor> parts, int axis, Tensor y, Tensor x) {
        int[] shape = Arrays.copyOf(y.shape, y.rank() + x.rank());
        System.arraycopy(x.shape, 0, shape, y.rank(), x.rank());
        if (parts.isEmpty()) return Tensor.zeros(x.dtype, shape);
        return Ops.reshape(Ops.concat(axis, parts), shape);
    }

    /**
     * The Hessian ∂²f/∂x∂x of a scalar f of one input, of shape x.shape ++ x.shape: reverse over
     * reverse, one backward pass through the recorded gradient per element of x.
     */
    public static Tensor hessian(Fn f, Tensor x) {
        return hessian(f, new Tensor[] {x}).get(0).get(0);
    }

    /**
     * The Hessian of a scalar f of several inputs, as blocks: {@code H.get(i).get(j)} = ∂²f/∂xᵢ∂xⱼ, of
     * shape xᵢ.shape ++ xⱼ.shape (PyTorch's {@code hessian} with a tuple of inputs). Reverse over reverse:
     * the gradient is recorded once, then each element of each xᵢ's gradient is differentiated with respect
     * to every input, which gives row k of block row i. The block matrix is symmetric: H[j][i] is H[i][j]
     * transposed.
     */
    public static List<List<Tensor>> hessian(Fn f, Tensor[] xs) {
        Scope s = new Scope(xs);
        try (var on = Tape.enableGrad()) {
            Tensor y = s.scalar("hessian", f);
            List<Tensor> g = Tape.grad(y, s.vars, Tape.options().createGraph());
            List<List<Tensor>> blocks = new ArrayList<>();
            for (int i = 0; i < s.vars.size(); i++) {
                List<List<Tensor>> rows = new ArrayList<>();
                for (Tensor x : s.vars) rows.add(new ArrayList<>());
                Tensor gi = g.get(i);
                for (int k = 0; k < gi.numel; k++) {
                    List<Tensor> row = Tape.grad(gi, s.vars, s.options().seed(oneHot(gi, k)));
                    for (int j = 0; j < row.size(); j++) rows.get(j).add(Ops.reshape(row.get(j), 1, -1));
                }
                List<Tensor> blockRow = new ArrayList<>();
                for (int j = 0; j < s.vars.size(); j++) blockRow.add(assemble(rows.get(j), 0, s.vars.get(i), s.vars.get(j)));
                blocks.add(blockRow);
            }
            return blocks;
        } finally {
            s.close();
        }
    }

    /**
     * f(x) and the Hessian-vector product H·v of a scalar f, without forming H: the gradient of
     * ⟨∇f(x), v⟩, two backward passes whatever the size of x (Pearlmutter's trick, reverse over reverse).
     */
    public static ValueAndDerivative hvp(Fn f, Tensor x, Tensor v) {
        ValueAndDerivatives r = hvp(f, new Tensor[] {x}, new Tensor[] {v});
        return new ValueAndDerivative(r.value(), r.derivatives().get(0));
    }

    /** f's value and one derivative per input (an HVP of a function of several inputs). */
    public record ValueAndDerivatives(Tensor value, List<Tensor> derivatives) {}

    /**
     * f(x₁, …, xₙ) and the Hessian-vector product of a scalar f of several inputs: the i-th result is
     * Σⱼ ∂²f/∂xᵢ∂xⱼ·vⱼ, each vⱼ of its input's shape, computed as the gradient of Σⱼ ⟨∂f/∂xⱼ, vⱼ⟩ (two
     * backward passes, no Hessian formed; PyTorch's {@code hvp} with tuples).
     */
    public static ValueAndDerivatives hvp(Fn f, Tensor[] xs, Tensor[] vs) {
        if (xs.length == 0) throw new IllegalArgumentException("hvp: no inputs");
        if (vs.length != xs.length) throw new IllegalArgumentException("hvp: " + xs.length + " inputs but " + vs.length + " vectors");
        for (int i = 0; i < xs.length; i++) {
            if (!Arrays.equals(xs[i].shape, vs[i].shape) || xs[i].dtype != vs[i].dtype) {
                throw new ShapeException("hvp: v" + (xs.length == 1 ? "" : " " + i) + " is " + Shape.str(vs[i].shape) + " " + vs[i].dtype
                        + ", x" + (xs.length == 1 ? "" : " " + i) + " is " + Shape.str(xs[i].shape) + " " + xs[i].dtype + ": they must match");
            }
        }
        Scope s = new Scope(xs);
        try (var on = Tape.enableGrad()) {
            Tensor y = s.scalar("hvp", f);
            List<Tensor> g = Tape.grad(y, s.vars, Tape.options().createGraph());
            Tensor inner = null;
            for (int j = 0; j < xs.length; j++) {
                Tensor term = Ops.sum(Ops.mul(g.get(j), vs[j]));
                inner = inner == null ? term : Ops.add(inner, term);
            }
            return new ValueAndDerivatives(y, Tape.grad(inner, s.vars, s.options()));
        } finally {
            s.close();
        }
    }

    // ================================================================ plumbing

    /** The one-hot tensor e_k of {@code like}'s shape and dtype. */
    private static Tensor oneHot(Tensor like, int k) {
        Tensor e = Tensor.zeros(like.dtype, like.shape);
        like.dtype.kernels().set(e.data(), k, 1.0);
        return e;
    }

    /**
     * One transform's use of the tape: the variables it differentiates with respect to, and whether it
     * is nested in an enclosing computation (an input already requires a gradient: record everything,
     * leave it on the tape) or not (retain the tape during the transform, release its entries after).
     */
    private static final class Scope implements AutoCloseable {
        final List<Tensor> vars = new ArrayList<>();
        final boolean nested;
        private final long mark = Tape.mark();

        Scope(Tensor... xs) {
            boolean any = false;
            for (Tensor x : xs) {
                if (x == null) throw new IllegalArgumentException("Functional: an input is null");
                any |= x.requiresGrad;
            }
            nested = any;
            for (Tensor x : xs) vars.add(x.requiresGrad ? x : x.detach().requiresGrad(true));
        }

        /** The options of a transform's last backward pass: recorded when nested, else retained until close. */
        Tape.Options options() {
            return nested ? Tape.options().createGraph() : Tape.options().retainGraph();
        }

        Tensor evaluate(String caller, Fn f) {
            Tensor y = f.apply(vars.toArray(new Tensor[0]));
            if (y == null) throw new IllegalStateException(caller + ": f returned null");
            return y;
        }

        Tensor scalar(String caller, Fn f) {
            Tensor y = evaluate(caller, f);
            if (y.numel != 1) {
                throw new ShapeException(caller + ": f must return one value (shape [] or [1]), it returned " + Shape.str(y.shape));
            }
            return y;
        }

        @Override
        public void close() {
            if (!nested) Tape.release(mark);
        }
    }
}

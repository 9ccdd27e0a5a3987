package io.elbo.autodiff;

/**
 * Your own op: a forward computation and its derivative rule, recorded on the tape as one entry like
 * any op of {@link Ops} (PyTorch's {@code autograd.Function}, JAX's {@code custom_vjp}). The forward
 * runs without recording, so it may be any code (ops, loops over {@link Tensor#toDoubleArray()}); the
 * rule is handed the incoming gradient g = ∂L/∂out, the output and the inputs, and returns
 * ∂L/∂inputᵢ = gᵀ·∂out/∂inputᵢ for each input that {@linkplain Tape.Pass#needs needs} one:
 *
 * <pre>{@code
 * // softsign(x) = x / (1 + |x|), d/dx = 1 / (1 + |x|)²
 * CustomOp softsign = CustomOp.of("softsign",
 *         x -> x[0].div(x[0].abs().add(1)),
 *         (g, out, x, pass) -> pass.grads(() -> g.div(x[0].abs().add(1).square())));
 * Tensor y = softsign.apply(x);
 * GradCheck.of("softsign", in -> softsign.apply(in[0]).sum()).secondOrder(true).check(x);
 * }</pre>
 *
 * <p><b>What the library checks, and what it does not.</b> Checked, each refused with the op's name:
 * <ul>
 *   <li>a rule that returns the wrong number of gradients (one per input, null only where
 *       {@code pass.needs(i)} is false), a missing gradient, or one of the wrong shape or dtype;</li>
 *   <li>an exception thrown inside the forward or the rule: it is wrapped in one that names the op;</li>
 *   <li>on a backward pass that is itself recorded (second derivatives, {@link Functional#hessian},
 *       {@link Functional#hvp}, {@link Functional#jvp}): a rule that reads the values of a tensor that
 *       requires a gradient as numbers ({@link Tensor#toDoubleArray()}, {@link Tensor#toFloatArray()},
 *       {@link Tensor#item()}, {@link Tensor#get}, {@link Tensor#copy()}), and a rule whose result is a
 *       fresh tensor made from raw values: to the tape such a value is a constant, so the second derivative
 *       would silently miss its part;</li>
 *   <li>an op declared {@link #onceDifferentiable()} (PyTorch's {@code @once_differentiable}): its rule
 *       may be any code; a recorded pass runs it with nothing recorded, and differentiating its result
 *       again is refused.</li>
 * </ul>
 * Not checked: values the rule gets without reading a variable (an array the forward computed and the
 * rule captured, a tensor it {@link Tensor#detach() detached}) are constants to the tape, and nothing
 * can tell whether they depend on the inputs; nor is a wrong formula caught here. {@link GradCheck}
 * catches both: check first and second order ({@code secondOrder(true)}), or declare the op once
 * differentiable.
 */
public final class CustomOp {
    /** The forward computation: the op's value at its inputs. */
    @FunctionalInterface
    public interface Forward {
        /** The output; computed with nothing recorded. */
        Tensor apply(Tensor... inputs);
    }

    /** The derivative rule: every input's vector-Jacobian product at once. */
    @FunctionalInterface
    public interface Backward {
        /**
         * ∂L/∂inputᵢ = gᵀ·∂out/∂inputᵢ for each input i with {@code pass.needs(i)} (null for the others),
         * each in the input's shape (or the output's broadcast shape, summed back by the tape).
         */
        Tensor[] vjp(Tensor g, Tensor output, Tensor[] inputs, Tape.Pass pass);
    }

    private final String name;
    private final Forward forward;
    private final Backward rule;
    private final boolean onceDifferentiable;

    private CustomOp(String name, Forward forward, Backward rule, boolean onceDifferentiable) {
        this.name = name;
        this.forward = forward;
        this.rule = rule;
        this.onceDifferentiable = onceDifferentiable;
    }

    /** An op named {@code name} (as the tape, {@link Dot} and error messages will show it). */
    public static CustomOp of(String name, Forward forward, Backward rule) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("CustomOp: an op needs a name");
        return new CustomOp(name, java.util.Objects.requireNonNull(forward, "forward"), java.util.Objects.requireNonNull(rule, "rule"), false);
    }

    /**
     * This op with its rule declared good for first derivatives only (PyTorch's
     * {@code @once_differentiable}), for a rule computed from raw values or a kernel. A recorded backward
     * pass runs the rule with nothing recorded and marks each gradient it returns, so that a second
     * derivative, Hessian or jvp that reaches it is refused with the op's name instead of silently zero.
     */
    public CustomOp onceDifferentiable() {
        return new CustomOp(name, forward, rule, true);
    }

    /** The op's name. */
    public String name() {
        return name;
    }

    /** True when the rule is declared {@linkplain #onceDifferentiable() once differentiable}. */
    public boolean isOnceDifferentiable() {
        return onceDifferentiable;
    }

    /** Computes the op on {@code inputs} and records it on the tape (when an input requires a gradient). */
    public Tensor apply(Tensor... inputs) {
        Tensor[] in = inputs.clone();
        Tensor out;
        try (var off = Tape.noGrad()) {
            out = forward.apply(in);
        } catch (Tape.NotDifferentiableAgain | NoDerivativeException e) {
            throw e;
        } catch (RuntimeException e) {
            throw named("the forward of", e);
        }
        if (out == null) throw new IllegalStateException("CustomOp '" + name + "': forward returned null");
        for (Tensor x : in) {
            if (out == x || !out.isLeaf()) {
                out = out.copyOf(); // the result must be a tensor of its own, not an input or a recorded value
                break;
            }
        }
        Tensor result = out;
        result.untracked = false;
        return Tape.record(name, result, (g, pass) -> backward(g, result, in, pass), in);
    }

    /** The rule, run as the contract above says, its exceptions named. */
    private Tensor[] backward(Tensor g, Tensor result, Tensor[] in, Tape.Pass pass) {
        try {
            if (!pass.createGraph()) return rule.vjp(g, result, in, pass);
            if (onceDifferentiable) return markedOnce(g, result, in, pass);
            return checked(Tape.refusingRawReads(name, () -> rule.vjp(g, result, in, pass)), g, in, pass);
        } catch (Tape.NotDifferentiableAgain | NoDerivativeException e) {
            throw e;
        } catch (RuntimeException e) {
            throw named("the derivative rule of", e);
        }
    }

    private IllegalStateException named(String what, RuntimeException e) {
        return new IllegalStateException(what + " '" + name + "' threw " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    /**
     * A once-differentiable rule on a recorded pass: its gradients are computed with nothing recorded, then
     * each is recorded as an entry of its own, from the op's inputs and g, whose rule refuses to be run: a
     * second derivative through it throws (PyTorch's {@code DelayedError}), a pass that never reaches it
     * is unaffected.
     */
    private Tensor[] markedOnce(Tensor g, Tensor result, Tensor[] in, Tape.Pass pass) {
        Tensor[] grads;
        try (var off = Tape.noGrad()) {
            grads = rule.vjp(g, result, in, pass);
        }
        if (grads == null) return null;
        Tensor[] from = java.util.Arrays.copyOf(in, in.length + 1);
        from[in.length] = g;
        Tensor[] marked = grads.clone();
        for (int i = 0; i < marked.length; i++) {
            if (marked[i] == null) continue;
            marked[i] = Tape.record(name + "'s gradient", marked[i].detach(), (g2, p2) -> {
                throw Tape.notDifferentiable(name, "it is declared onceDifferentiable()");
            }, from);
        }
        return marked;
    }

    /**
     * On a recorded pass, refuses a gradient the rule made from raw values (a fresh tensor not computed by
     * ops): differentiating it again would treat the derivative as a constant and silently give zero.
     */
    private Tensor[] checked(Tensor[] grads, Tensor g, Tensor[] in, Tape.Pass pass) {
        if (grads == null) return grads;
        for (int i = 0; i < grads.length && i < in.length; i++) {
            Tensor r = grads[i];
            if (r == null || !pass.needs(i) || r == g || !r.isLeaf() || !r.op().equals("leaf")) continue;
            boolean isInput = false;
            for (Tensor x : in) isInput |= r == x;
            if (!isInput) throw Tape.notDifferentiable(name, "its result is not written with differentiable ops");
        }
        return grads;
    }
}

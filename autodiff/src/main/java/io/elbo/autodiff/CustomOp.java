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
 * Write the rule with differentiable ops (as above) and the op can be differentiated twice, and gets
 * forward mode ({@link Functional#jvp}) and Hessians for free; a rule built from raw arrays gives
 * first derivatives only, and asking for more is refused with the op's name. Check both orders with
 * {@link GradCheck}. A rule that returns a gradient of the wrong shape, or none where one is needed,
 * is refused at the backward pass with the op's name.
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
    public interface Rule {
        /**
         * ∂L/∂inputᵢ = gᵀ·∂out/∂inputᵢ for each input i with {@code pass.needs(i)} (null for the others),
         * each in the input's shape (or the output's broadcast shape, summed back by the tape).
         */
        Tensor[] vjp(Tensor g, Tensor output, Tensor[] inputs, Tape.Pass pass);
    }

    private final String name;
    private final Forward forward;
    private final Rule rule;

    private CustomOp(String name, Forward forward, Rule rule) {
        this.name = name;
        this.forward = forward;
        this.rule = rule;
    }

    /** An op named {@code name} (as the tape, {@link Dot} and error messages will show it). */
    public static CustomOp of(String name, Forward forward, Rule rule) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("CustomOp: an op needs a name");
        return new CustomOp(name, java.util.Objects.requireNonNull(forward, "forward"), java.util.Objects.requireNonNull(rule, "rule"));
    }

    /** The op's name. */
    public String name() {
        return name;
    }

    /** Computes the op on {@code inputs} and records it on the tape (when an input requires a gradient). */
    public Tensor apply(Tensor... inputs) {
        Tensor[] in = inputs.clone();
        Tensor out;
        try (var off = Tape.noGrad()) {
            out = forward.apply(in);
        }
        if (out == null) throw new IllegalStateException("CustomOp '" + name + "': forward returned null");
        for (Tensor x : in) {
            if (out == x || !out.isLeaf()) {
                out = out.copy(); // the result must be a tensor of its own, not an input or a recorded value
                break;
            }
        }
        Tensor result = out;
        result.untracked = false;
        return Tape.record(name, result, (g, pass) -> checked(rule.vjp(g, result, in, pass), g, in, pass), in);
    }

    /**
     * On a recorded pass, refuses a gradient the rule made from raw values (a fresh tensor not computed by
     * ops): differentiating it again would treat the derivative as a constant and silently give zero.
     */
    private Tensor[] checked(Tensor[] grads, Tensor g, Tensor[] in, Tape.Pass pass) {
        if (!pass.createGraph() || grads == null) return grads;
        for (int i = 0; i < grads.length && i < in.length; i++) {
            Tensor r = grads[i];
            if (r == null || !pass.needs(i) || r == g || !r.isLeaf() || !r.op().equals("leaf")) continue;
            boolean isInput = false;
            for (Tensor x : in) isInput |= r == x;
            if (!isInput) throw Tape.notDifferentiable(name);
        }
        return grads;
    }
}

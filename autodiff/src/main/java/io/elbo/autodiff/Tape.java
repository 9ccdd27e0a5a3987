package io.elbo.autodiff;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tape: a Wengert list of every op applied to tensors that require gradients, in the order
 * they ran. Because an op is recorded only after its inputs exist, the recording order is
 * already a topological order, so reverse mode is one loop from the end of the list to the start:
 *
 * <pre>
 *   grads[output] = seed
 *   for entry in reversed(tape):
 *       g = grads[entry.output]            (skip the entry if nothing flowed into it)
 *       gx = entry.rule(g, pass)             (every input's gradient at once)
 *       for each input x of the entry that requires a gradient:
 *           grads[x] += sumToShape(gx[i], x.shape)
 * </pre>
 *
 * No recursion, so a chain of any length works. Broadcasting is undone in exactly one place, the
 * {@code sumToShape} in that loop: an op's vector-Jacobian product may return its gradient in the
 * broadcast shape of its output.
 *
 * <p>A {@link Rule} returns the gradients of all its op's inputs at once, as JAX's autodidax does, so
 * work the inputs share (a ReLU's mask in a fused layer) is computed once. The {@link Pass} it is
 * handed says which inputs need a gradient (PyTorch's {@code needs_input_grad}) and whether the
 * backward pass is itself being recorded; a rule never reads thread state to find out.
 *
 * <p>Each thread has its own tape. {@link #backward} consumes the tape (as PyTorch frees its
 * graph) unless asked to retain it; with {@code createGraph} the vector-Jacobian products are
 * themselves recorded, so gradients can be differentiated again.
 */
public final class Tape {
    private static final ThreadLocal<Tape> CURRENT = ThreadLocal.withInitial(Tape::new);

    private final ArrayList<Entry> entries = new ArrayList<>();
    /** Absolute index of entries.get(0): grows when the tape is consumed, so stale tensors are detected. */
    private long base;
    private int noGradDepth;

    private Tape() {}

    /**
     * The derivative rule of one op: its vector-Jacobian products for all inputs at once. Given
     * g = ∂L/∂output, returns ∂L/∂inputᵢ = gᵀ·∂output/∂inputᵢ for every input i that
     * {@linkplain Pass#needs needs} one (null for the others), each in the input's shape or the
     * output's broadcast shape. Written with differentiable ops, so it can itself be taped.
     */
    @FunctionalInterface
    public interface Rule {
        Tensor[] vjp(Tensor g, Pass pass);
    }

    /**
     * What the reverse loop asks of a {@link Rule}: which inputs need a gradient, and whether the
     * backward pass is being recorded ({@code createGraph}). A rule that has a one-pass fused kernel
     * uses it only when the pass is not recorded, since a kernel's result cannot be differentiated again.
     */
    public static final class Pass {
        private final boolean[] needs;
        private final boolean createGraph;

        Pass(boolean[] needs, boolean createGraph) {
            this.needs = needs;
            this.createGraph = createGraph;
        }

        /** True when input {@code i} requires a gradient. */
        public boolean needs(int i) {
            return needs[i];
        }

        /** True when the backward pass is itself recorded, so its results must be built from differentiable ops. */
        public boolean createGraph() {
            return createGraph;
        }

        /**
         * The gradients of the inputs, one formula per input, each evaluated only when that input
         * {@linkplain #needs needs} it (null otherwise): {@code pass.grads(() -> mul(g, b), () -> mul(g, a))}.
         */
        @SafeVarargs
        public final Tensor[] grads(java.util.function.Supplier<Tensor>... perInput) {
            Tensor[] out = new Tensor[perInput.length];
            for (int i = 0; i < perInput.length; i++) if (needs[i]) out[i] = perInput[i].get();
            return out;
        }
    }

    /** One line of the Wengert list: {@code output = op(inputs)}, with its derivative rule (null: none). */
    public record Entry(String op, Tensor[] inputs, Tensor output, Rule rule) {}

    private static Tape current() {
        return CURRENT.get();
    }

    /** True when ops are being recorded (no {@link #noGrad()} scope is open). */
    public static boolean isRecording() {
        return current().noGradDepth == 0;
    }

    /** The number of entries on the current thread's tape. */
    public static int size() {
        return current().entries.size();
    }

    /** Drops every entry without back-propagating (for instance after an evaluation pass). */
    public static void clear() {
        Tape t = current();
        t.base += t.entries.size();
        t.entries.clear();
    }

    /** A read-only view of the entries, oldest first (for printing and {@link Dot}). */
    public static List<Entry> entries() {
        return Collections.unmodifiableList(current().entries);
    }

    /**
     * Where a NaN or an infinity first appeared: the oldest entry of the current tape whose output
     * is not finite, or null when every output is finite. If that entry's inputs are all finite,
     * its op produced the value; otherwise a non-finite leaf (a parameter, the data) fed it.
     */
    public static Entry firstNonFinite() {
        for (Entry e : current().entries) {
            if (!e.output().allFinite()) return e;
        }
        return null;
    }

    /**
     * Where the first NaN or infinity on the current tape came from, in words, for an error message:
     * {@code "the first non-finite value came from op 'exp' (its inputs were finite)"}, or
     * {@code "op 'linear' received non-finite values from W"} when a non-finite input fed that entry,
     * the input named by {@code names} (parameters, the data) or else by the op that made it. Null when
     * every recorded output is finite. Built on {@link #firstNonFinite()}.
     */
    public static String whereNonFinite(Map<Tensor, String> names) {
        Entry e = firstNonFinite();
        if (e == null) return null;
        String from = null;
        for (Tensor in : e.inputs()) {
            if (!in.allFinite()) from = names.getOrDefault(in, in.isLeaf() ? "a leaf" : "op '" + in.op() + "'");
        }
        return from == null ? "the first non-finite value came from op '" + e.op() + "' (its inputs were finite)"
                : "op '" + e.op() + "' received non-finite values from " + from;
    }

    /** A scope in which nothing is recorded: {@code try (var off = Tape.noGrad()) { ... }}. */
    public static NoGrad noGrad() {
        Tape t = current();
        t.noGradDepth++;
        return new NoGrad(t);
    }

    /** Closes a {@link #noGrad()} scope. */
    public static final class NoGrad implements AutoCloseable {
        private final Tape tape;
        private boolean closed;

        private NoGrad(Tape tape) {
            this.tape = tape;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                tape.noGradDepth--;
            }
        }
    }

    /**
     * Records {@code output = op(inputs)} when recording is on and some input requires a gradient.
     * A null {@code rule} records an op that has no derivative rule: back-propagating through it
     * throws {@link NoDerivativeException}, it never yields zeros.
     */
    public static Tensor record(String op, Tensor output, Rule rule, Tensor... inputs) {
        output.op = op;
        Tape t = current();
        if (t.noGradDepth > 0) return output;
        boolean any = false;
        for (Tensor x : inputs) any |= x.requiresGrad;
        if (!any) return output;
        output.requiresGrad = true;
        output.tapeIndex = t.base + t.entries.size();
        t.entries.add(new Entry(op, inputs, output, rule));
        return output;
    }

    /**
     * Reverse mode from {@code output}: accumulates ∂output/∂leaf (times the seed) into the
     * {@link Tensor#grad()} of every leaf that requires a gradient.
     *
     * @param seed        ∂L/∂output; may be null only for a one-element output (then 1)
     * @param createGraph record the backward pass, so the gradients can be differentiated again
     * @param retainGraph keep the tape for another backward pass (implied by createGraph)
     */
    public static void backward(Tensor output, Tensor seed, boolean createGraph, boolean retainGraph) {
        Map<Tensor, Tensor> grads = current().propagate("backward", output, seed, createGraph, Set.of(), retainGraph);
        // A rule may hand one array to several inputs (add passes g on to both). Each leaf gets a
        // buffer of its own, so that in-place updates of one grad (clipping) never touch another.
        Set<Object> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());
        if (seed != null) handedOut.add(seed.data());
        for (Map.Entry<Tensor, Tensor> e : grads.entrySet()) {
            Tensor leaf = e.getKey();
            if (!leaf.isLeaf() || !leaf.requiresGrad) continue;
            Tensor g = createGraph ? e.getValue() : e.getValue().detach();
            if (!createGraph && !handedOut.add(g.data())) g = g.copy();
            if (leaf.grad == null) {
                leaf.grad = g;
            } else if (createGraph) {
                leaf.grad = Ops.add(leaf.grad, g);
            } else {
                try (var off = noGrad()) {
                    leaf.grad = Ops.add(leaf.grad, g);
                }
            }
        }
    }

    /**
     * The functional gradient: returns ∂output/∂x (times the seed) for each chosen input, without
     * touching any tensor's {@link Tensor#grad()}. An input the output does not depend on gets
     * zeros. Inputs may be leaves or intermediate results.
     */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs, Tensor seed, boolean createGraph, boolean retainGraph) {
        Set<Tensor> wanted = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor x : inputs) {
            if (!x.requiresGrad) {
                throw new IllegalArgumentException("grad: input of shape " + Shape.str(x.shape)
                        + " does not require a gradient (mark it with requiresGrad(true))");
            }
            wanted.add(x);
        }
        Map<Tensor, Tensor> grads = current().propagate("grad", output, seed, createGraph, wanted, retainGraph);
        List<Tensor> out = new ArrayList<>(inputs.size());
        for (Tensor x : inputs) {
            Tensor g = grads.get(x);
            out.add(g != null ? g : Tensor.zeros(x.dtype, x.shape));
        }
        return out;
    }

    /** {@link #grad(Tensor, List, Tensor, boolean, boolean)} for a scalar output, consuming the tape. */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs) {
        return grad(output, inputs, null, false, false);
    }

    /**
     * A gradient flows into an intermediate whose own entry an earlier backward pass consumed: going on
     * would leave every leaf behind it without its share, silently. PyTorch's "trying to backward through
     * the graph a second time".
     */
    private static IllegalStateException secondTime(String caller, String op, int input, Tensor x) {
        return new IllegalStateException(caller + ": trying to backward through the graph a second time: input " + input + " of '" + op
                + "' was made by '" + x.op + "', whose part of the tape an earlier backward pass consumed; pass retainGraph=true to"
                + " that pass, or detach() the tensor to treat it as a constant");
    }

    /** The reverse loop itself; returns the gradients of the leaves and of {@code keep}. */
    private Map<Tensor, Tensor> propagate(String caller, Tensor output, Tensor seed, boolean createGraph,
                                          Set<Tensor> keep, boolean retainGraph) {
        if (!output.requiresGrad) {
            throw new IllegalStateException(caller + ": the output does not require a gradient: no input of the ops"
                    + " that produced it was marked with requiresGrad(true), or it was computed under noGrad()");
        }
        if (seed == null) {
            if (output.numel != 1) {
                throw new IllegalArgumentException(caller + ": grad can be implicitly created only for scalar outputs;"
                        + " this output has shape " + Shape.str(output.shape) + ", pass a seed gradient of that shape");
            }
            seed = Tensor.full(1.0, output.dtype, output.shape);
        } else if (!java.util.Arrays.equals(seed.shape, output.shape) || seed.dtype != output.dtype) {
            throw new ShapeException(caller + ": seed " + Shape.str(seed.shape) + " " + seed.dtype
                    + " does not match output " + Shape.str(output.shape) + " " + output.dtype);
        }
        if (!output.isLeaf() && output.tapeIndex < base) {
            throw new IllegalStateException(caller + ": the tape that recorded this output was already consumed by an"
                    + " earlier backward pass; pass retainGraph=true to the first one to back-propagate twice");
        }
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(output, seed);
        int top = output.isLeaf() ? -1 : (int) (output.tapeIndex - base);
        NoGrad scope = createGraph ? null : noGrad();
        try {
            for (int i = top; i >= 0; i--) {
                Entry e = entries.get(i);
                Tensor g = keep.contains(e.output) ? grads.get(e.output) : grads.remove(e.output);
                if (g == null) continue;
                boolean[] needs = new boolean[e.inputs.length];
                for (int j = 0; j < needs.length; j++) {
                    needs[j] = e.inputs[j].requiresGrad;
                    if (needs[j] && e.rule == null) throw new NoDerivativeException(e.op, j, e.inputs[j].shape);
                }
                Tensor[] gx = e.rule.vjp(g, new Pass(needs, createGraph));
                for (int j = 0; j < needs.length; j++) {
                    if (!needs[j]) continue;
                    Tensor x = e.inputs[j];
                    if (!x.isLeaf() && x.tapeIndex < base && !keep.contains(x)) throw secondTime(caller, e.op, j, x);
                    grads.merge(x, Ops.sumToShape(gx[j], x.shape), Ops::add);
                }
            }
        } finally {
            if (scope != null) scope.close();
        }
        if (!createGraph && !retainGraph) clear();
        return grads;
    }
}

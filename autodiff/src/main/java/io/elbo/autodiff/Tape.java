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
 * <p>Each thread has its own tape, and a recorded tensor knows which tape recorded it. A backward pass
 * runs on the thread that recorded its output: from any other thread it is refused with one line that
 * names both threads, and neither thread's tape is touched (a tape is not shared between threads, so
 * walking another thread's tape while that thread records would race). {@link #backward} consumes the tape (as PyTorch frees its
 * graph) unless asked to retain it; with {@code createGraph} the vector-Jacobian products are
 * themselves recorded, so gradients can be differentiated again. Both are named, not positional:
 * {@code z.backward(Tape.options().retainGraph())}, {@code Tape.grad(z, xs, Tape.options().createGraph())}.
 * {@link #trace} prints a backward pass step by step; {@link Functional} builds grad, vjp, jvp,
 * Jacobians and Hessians on this one loop.
 */
public final class Tape {
    private static final ThreadLocal<Tape> CURRENT = ThreadLocal.withInitial(Tape::new);

    private final ArrayList<Entry> entries = new ArrayList<>();
    /** The thread this tape belongs to, named in the error when another thread back-propagates through it. */
    private final Thread owner = Thread.currentThread();
    /** Absolute index of entries.get(0): grows when the tape is consumed, so stale tensors are detected. */
    private long base;
    private int noGradDepth;
    /** The custom op whose rule runs now on a recorded pass: reading a variable's values as numbers is refused (null: none). */
    private String rawReadsRefusedIn;

    private Tape() {}

    /**
     * The derivative rule of one op: its vector-Jacobian products for all inputs at once. Given
     * g = ∂L/∂output, returns ∂L/∂inputᵢ = gᵀ·∂output/∂inputᵢ for every input i that
     * {@linkplain Pass#needs needs} one (null for the others), each in the input's shape or the
     * output's broadcast shape. Written with differentiable ops, so it can itself be taped.
     */
    @FunctionalInterface
    public interface Rule {
        /** ∂L/∂inputᵢ for each input the pass needs (null for the others), given g = ∂L/∂output. */
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

    /**
     * How a backward pass runs, by name instead of a row of booleans:
     * {@code Tape.options().seed(s).retainGraph()}. Immutable; each method returns a new value.
     */
    public static final class Options {
        private static final Options DEFAULT = new Options(null, false, false);
        private final Tensor seed;
        private final boolean createGraph;
        private final boolean retainGraph;

        private Options(Tensor seed, boolean createGraph, boolean retainGraph) {
            this.seed = seed;
            this.createGraph = createGraph;
            this.retainGraph = retainGraph;
        }

        /** ∂L/∂output to start from (default: 1, allowed only for a one-element output). */
        public Options seed(Tensor seed) {
            return new Options(seed, createGraph, retainGraph);
        }

        /** Record the backward pass, so the gradients can be differentiated again (implies {@link #retainGraph()}). */
        public Options createGraph() {
            return new Options(seed, true, true);
        }

        /**
         * Keep the tape for another pass, and with it the gradient of every intermediate tensor of this
         * pass in its {@link Tensor#grad()} (to print it, or to {@linkplain Dot draw} it).
         */
        public Options retainGraph() {
            return new Options(seed, createGraph, true);
        }

        /** The seed, or null for the implicit 1. */
        public Tensor seed() { return seed; }

        /** True when the backward pass is recorded. */
        public boolean isCreateGraph() { return createGraph; }

        /** True when the tape survives the pass. */
        public boolean isRetainGraph() { return retainGraph; }
    }

    /** The defaults: seed 1, the tape consumed, the backward pass not recorded. */
    public static Options options() {
        return Options.DEFAULT;
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

    /**
     * True when an op on these inputs will be recorded ({@link #record} keeps an entry): recording is on and some
     * input requires a gradient. For an op that saves values only its derivative rule reads.
     */
    static boolean willRecord(Tensor... inputs) {
        return isRecording() && anyRequiresGrad(inputs);
    }

    private static boolean anyRequiresGrad(Tensor[] inputs) {
        for (Tensor x : inputs) if (x.requiresGrad) return true;
        return false;
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

    /** True when the entry that made {@code t} is still on the current tape (not consumed or cleared). */
    static boolean isLive(Tensor t) {
        Tape c = current();
        return !t.isLeaf() && t.tape == c && t.tapeIndex >= c.base && t.tapeIndex < c.base + c.entries.size()
                && c.entries.get((int) (t.tapeIndex - c.base)).output() == t;
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
    public static GradMode noGrad() {
        Tape t = current();
        int before = t.noGradDepth;
        t.noGradDepth++;
        return new GradMode(t, before);
    }

    /**
     * A scope in which ops are recorded even inside a {@link #noGrad()} scope (PyTorch's
     * {@code enable_grad}); the {@link Functional} transforms run in one.
     */
    public static GradMode enableGrad() {
        Tape t = current();
        int before = t.noGradDepth;
        t.noGradDepth = 0;
        return new GradMode(t, before);
    }

    /**
     * The recording mode a {@link #noGrad()} or {@link #enableGrad()} scope set (PyTorch's grad mode); closing it
     * restores the mode it found.
     */
    public static final class GradMode implements AutoCloseable {
        private final Tape tape;
        private final int restore;
        private boolean closed;

        private GradMode(Tape tape, int restore) {
            this.tape = tape;
            this.restore = restore;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                tape.noGradDepth = restore;
            }
        }
    }

    /** The current thread's tape length, to hand to {@link #release(int)} later. */
    static long mark() {
        Tape t = current();
        return t.base + t.entries.size();
    }

    /**
     * Drops the entries recorded since {@link #mark()} and turns their outputs into constants (leaves
     * that do not require a gradient): a transform's scratch work, gone without touching what the
     * caller recorded before it.
     */
    static void release(long mark) {
        Tape t = current();
        List<Entry> tail = t.entries.subList((int) Math.max(0, Math.min(t.entries.size(), mark - t.base)), t.entries.size());
        for (Entry e : tail) {
            e.output.requiresGrad = false;
            e.output.tapeIndex = -1;
            e.output.tape = null;
            e.output.untracked = true;
        }
        tail.clear();
    }

    /**
     * Records {@code output = op(inputs)} when recording is on and some input requires a gradient.
     * A null {@code rule} records an op that has no derivative rule: back-propagating through it
     * throws {@link NoDerivativeException}, it never yields zeros.
     */
    public static Tensor record(String op, Tensor output, Rule rule, Tensor... inputs) {
        output.op = op;
        Tape t = current();
        if (t.noGradDepth > 0) {
            output.untracked = true;
            return output;
        }
        if (!anyRequiresGrad(inputs)) return output;
        output.requiresGrad = true;
        output.untracked = false;
        output.tapeIndex = t.base + t.entries.size();
        output.tape = t;
        t.entries.add(new Entry(op, inputs, output, rule));
        return output;
    }

    /**
     * Reverse mode from {@code output}: accumulates ∂output/∂leaf (times the seed) into the
     * {@link Tensor#grad()} of every leaf that requires a gradient. With
     * {@link Options#retainGraph()} (and not {@link Options#createGraph()}) every intermediate
     * tensor of the pass also keeps its gradient, for printing and drawing.
     */
    public static void backward(Tensor output, Options options) {
        boolean createGraph = options.createGraph, retainGraph = options.retainGraph;
        boolean keepIntermediates = retainGraph && !createGraph;
        Map<Tensor, Tensor> grads = current().propagate("backward", output, options.seed, createGraph,
                Set.of(), retainGraph, keepIntermediates ? Tape::keepGradient : null);
        // A rule may hand one array to several inputs (add passes g on to both). Each leaf gets a
        // buffer of its own, so that in-place updates of one grad (clipping) never touch another.
        Set<Object> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());
        if (options.seed != null) handedOut.add(options.seed.data());
        for (Map.Entry<Tensor, Tensor> e : grads.entrySet()) {
            Tensor leaf = e.getKey();
            if (!leaf.isLeaf() || !leaf.requiresGrad) continue;
            Tensor g = createGraph ? e.getValue() : e.getValue().detach();
            if (!createGraph && !handedOut.add(g.data())) g = g.copyOf();
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

    /** {@link #backward(Tensor, Options)} with the defaults: seed 1, the tape consumed. */
    public static void backward(Tensor output) {
        backward(output, options());
    }

    /** Stores an intermediate's gradient (a retained pass): summed over passes, as a leaf's is. */
    private static void keepGradient(Entry e, Tensor g, Tensor[] sent) {
        Tensor own = g.copyOf();
        e.output.grad = e.output.grad == null ? own : Ops.add(e.output.grad, own);
    }

    /**
     * The functional gradient: returns ∂output/∂x (times the seed) for each chosen input, without
     * touching any tensor's {@link Tensor#grad()}. Inputs may be leaves or intermediate results, and
     * each must require a gradient. An input the output does not depend on gets zeros, and so does
     * every input when the output depends on none of them (the gradient of a gradient that is
     * constant in the inputs is 0, as in JAX); an output computed under {@link #noGrad()}, or by a
     * backward pass that was not recorded, is refused, since the tape cannot say what it depends on.
     */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs, Options options) {
        Set<Tensor> wanted = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor x : inputs) {
            if (!x.requiresGrad) {
                throw new IllegalArgumentException("grad: input of shape " + Shape.str(x.shape)
                        + " does not require a gradient (mark it with requiresGrad(true))");
            }
            wanted.add(x);
        }
        List<Tensor> out = new ArrayList<>(inputs.size());
        if (!output.requiresGrad && !output.untracked && !wanted.contains(output)) {
            checkSeed("grad", output, options.seed);
            for (Tensor x : inputs) out.add(Tensor.zeros(x.dtype, x.shape));
            return out;
        }
        Map<Tensor, Tensor> grads = current().propagate("grad", output, options.seed, options.createGraph, wanted,
                options.retainGraph, null);
        for (Tensor x : inputs) {
            Tensor g = grads.get(x);
            out.add(g != null ? g : Tensor.zeros(x.dtype, x.shape));
        }
        return out;
    }

    /** {@link #grad(Tensor, List, Options)} for a scalar output with the defaults (the tape consumed). */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs) {
        return grad(output, inputs, options());
    }

    /** {@link #grad(Tensor, List)} with the inputs listed. */
    public static List<Tensor> grad(Tensor output, Tensor... inputs) {
        return grad(output, List.of(inputs), options());
    }

    /** One step of a {@linkplain #trace traced} backward pass: an entry, the gradient that flowed into it, and what its rule sent on. */
    public record Step(Entry entry, Tensor gradientIn, Tensor[] sentToInputs) {}

    /**
     * Runs a backward pass from {@code output} step by step, without touching any tensor's
     * {@link Tensor#grad()} or consuming the tape, and returns what each entry received and sent to
     * each input (in its input's shape), newest entry first: the reverse loop made visible, for small
     * graphs. {@link BackwardTrace#toString()} prints it.
     */
    public static BackwardTrace trace(Tensor output, Options options) {
        List<Step> steps = new ArrayList<>();
        Tape t = current();
        Map<Tensor, Tensor> grads = t.propagate("trace", output, options.seed, false, Set.of(), true,
                (e, g, sent) -> steps.add(new Step(e, g.copyOf(), copies(sent))));
        Map<Tensor, Tensor> leaves = new java.util.LinkedHashMap<>();
        for (Map.Entry<Tensor, Tensor> e : grads.entrySet()) {
            if (e.getKey().isLeaf() && e.getKey().requiresGrad) leaves.put(e.getKey(), e.getValue().copyOf());
        }
        return new BackwardTrace(output, steps, leaves);
    }

    /** {@link #trace(Tensor, Options)} from a one-element output, seed 1. */
    public static BackwardTrace trace(Tensor output) {
        return trace(output, options());
    }

    private static Tensor[] copies(Tensor[] sent) {
        Tensor[] c = new Tensor[sent.length];
        for (int i = 0; i < sent.length; i++) c[i] = sent[i] == null ? null : sent[i].copyOf();
        return c;
    }

    /**
     * A gradient flows into an intermediate whose own entry an earlier backward pass consumed: going on
     * would leave every leaf behind it without its share, silently. PyTorch's "trying to backward through
     * the graph a second time".
     */
    private static IllegalStateException secondTime(String caller, String op, int input, Tensor x) {
        return new IllegalStateException(caller + ": trying to backward through the graph a second time: input " + input + " of '" + op
                + "' was made by '" + x.op + "', whose part of the tape an earlier backward pass consumed; pass"
                + " Tape.options().retainGraph() to that pass, or detach() the tensor to treat it as a constant");
    }

    /**
     * A backward pass on this thread met a tensor another thread's tape recorded. Each thread's tape is its
     * own (not synchronised); walking it from here would race with its owner, and skipping it would lose
     * every gradient behind it, so the pass is refused before anything is touched.
     */
    private IllegalStateException otherThread(String caller, Tape recordedBy) {
        return new IllegalStateException(caller + ": this tensor was recorded on thread '" + recordedBy.owner.getName()
                + "' but the backward pass runs on thread '" + owner.getName() + "': each thread has its own tape;"
                + " back-propagate on the thread that ran the forward pass");
    }

    private static void checkSeed(String caller, Tensor output, Tensor seed) {
        if (seed == null) {
            if (output.numel != 1) {
                throw new IllegalArgumentException(caller + ": grad can be implicitly created only for scalar outputs;"
                        + " this output has shape " + Shape.str(output.shape) + ", pass a seed gradient of that shape"
                        + " (Tape.options().seed(s))");
            }
        } else if (!java.util.Arrays.equals(seed.shape, output.shape) || seed.dtype != output.dtype) {
            throw new ShapeException(caller + ": seed " + Shape.str(seed.shape) + " " + seed.dtype
                    + " does not match output " + Shape.str(output.shape) + " " + output.dtype);
        }
    }

    /** Sees each entry the reverse loop processes: the gradient in, and what its rule sent to each input. */
    @FunctionalInterface
    private interface Listener {
        void step(Entry e, Tensor gradientIn, Tensor[] sentToInputs);
    }

    /** The reverse loop itself; returns the gradients of the leaves and of {@code keep}. */
    private Map<Tensor, Tensor> propagate(String caller, Tensor output, Tensor seed, boolean createGraph,
                                          Set<Tensor> keep, boolean retainGraph, Listener listener) {
        if (!output.requiresGrad) {
            throw new IllegalStateException(caller + ": the output does not require a gradient: no input of the ops"
                    + " that produced it was marked with requiresGrad(true), or it was computed under noGrad()"
                    + " or by a backward pass that was not recorded (Tape.options().createGraph())");
        }
        if (!output.isLeaf() && output.tape != this) throw otherThread(caller, output.tape);
        checkSeed(caller, output, seed);
        if (seed == null) seed = Tensor.full(1.0, output.dtype, output.shape);
        if (!output.isLeaf() && output.tapeIndex < base) {
            throw new IllegalStateException(caller + ": the tape that recorded this output was already consumed by an"
                    + " earlier backward pass; pass Tape.options().retainGraph() to the first one to back-propagate twice");
        }
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(output, seed);
        int top = output.isLeaf() ? -1 : (int) (output.tapeIndex - base);
        GradMode scope = createGraph ? enableGrad() : noGrad();
        try {
            for (int i = top; i >= 0; i--) step(caller, entries.get(i), grads, keep, createGraph, listener);
        } finally {
            scope.close();
        }
        if (!createGraph && !retainGraph) clear();
        return grads;
    }

    /**
     * One step of the reverse loop: entry e's gradient g, if any reached it, goes through its rule, and
     * what the rule sends to each input is summed into that input's gradient. (A method of its own: the
     * JIT compiles the loop and its body once each instead of the whole body into every on-stack
     * replacement of the loop.)
     */
    private void step(String caller, Entry e, Map<Tensor, Tensor> grads, Set<Tensor> keep, boolean createGraph, Listener listener) {
        Tensor g = keep.contains(e.output) ? grads.get(e.output) : grads.remove(e.output);
        if (g == null) return;
        boolean[] needs = new boolean[e.inputs.length];
        for (int j = 0; j < needs.length; j++) {
            needs[j] = e.inputs[j].requiresGrad;
            if (needs[j] && e.rule == null) throw new NoDerivativeException(e.op, j, e.inputs[j].shape);
        }
        Tensor[] gx = e.rule.vjp(g, new Pass(needs, createGraph));
        if (gx != null && gx.length != needs.length) {
            throw new IllegalStateException("the derivative rule of '" + e.op + "' returned " + gx.length + " gradients for its "
                    + needs.length + " input" + (needs.length == 1 ? "" : "s") + ": a rule returns one gradient per input,"
                    + " null only where pass.needs(i) is false");
        }
        Tensor[] sent = new Tensor[needs.length];
        for (int j = 0; j < needs.length; j++) {
            if (!needs[j]) continue;
            Tensor x = e.inputs[j];
            if (!x.isLeaf() && x.tape != this) throw otherThread(caller, x.tape);
            if (!x.isLeaf() && x.tapeIndex < base && !keep.contains(x)) throw secondTime(caller, e.op, j, x);
            sent[j] = Ops.sumToShape(checkedGradient(e, gx, j), x.shape);
            if (createGraph && g.requiresGrad && !sent[j].requiresGrad) throw notDifferentiable(e.op,
                    "it is not written with differentiable ops: its result does not depend on the incoming gradient");
            grads.merge(x, sent[j], Ops::add);
        }
        if (listener != null) listener.step(e, g, sent);
    }

    /**
     * A recorded pass whose incoming gradient is itself a variable (a Hessian, forward mode) met a rule
     * whose result does not depend on it: the rule was computed outside the ops (raw arrays, a kernel),
     * so differentiating it again would silently give zero.
     */
    static NotDifferentiableAgain notDifferentiable(String op, String why) {
        return new NotDifferentiableAgain("the derivative rule of '" + op + "' cannot be differentiated again (" + why
                + "): second derivatives, Hessians and forward mode (jvp) need a rule built from ops such as mul and div");
    }

    /**
     * The refusal of a second derivative through a rule that cannot give one: thrown by the tape and by
     * {@link CustomOp}, and never wrapped again, since it already names the op.
     */
    static final class NotDifferentiableAgain extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NotDifferentiableAgain(String message) {
            super(message);
        }
    }

    /**
     * Runs a custom op's rule on a recorded pass with reads of a variable's values as numbers refused
     * ({@link Tensor#toDoubleArray()}, {@link Tensor#item()}, ...): such a value is a constant to the
     * tape, so a gradient built from it would differentiate to a silent zero.
     */
    static <T> T refusingRawReads(String op, java.util.function.Supplier<T> rule) {
        Tape t = current();
        String before = t.rawReadsRefusedIn;
        t.rawReadsRefusedIn = op;
        try {
            return rule.get();
        } finally {
            t.rawReadsRefusedIn = before;
        }
    }

    /** Refuses {@code how} (a raw read of x, which requires a gradient) inside a {@link #refusingRawReads} rule. */
    static void checkRawRead(Tensor x, String how) {
        String op = current().rawReadsRefusedIn;
        if (op != null) {
            throw new NotDifferentiableAgain("the derivative rule of '" + op + "' read a tensor " + Shape.str(x.shape)
                    + " that requires a gradient as numbers (" + how + ") while its backward pass is recorded: to the tape"
                    + " that value is a constant, so a second derivative, Hessian or jvp through '" + op + "' would silently"
                    + " miss its part; write the rule with ops, or declare the op onceDifferentiable()");
        }
    }

    /** Input j's gradient from a rule, refused with the op's name when it is missing or of the wrong shape or dtype. */
    private static Tensor checkedGradient(Entry e, Tensor[] gx, int j) {
        Tensor x = e.inputs[j];
        Tensor g = gx == null ? null : gx[j]; // the count was checked before
        if (g == null) {
            throw new IllegalStateException("the derivative rule of '" + e.op + "' returned no gradient for input " + j
                    + " (shape " + Shape.str(x.shape) + "), which requires one: a rule returns one gradient per input,"
                    + " null only where pass.needs(i) is false");
        }
        if (g.dtype != x.dtype || !Shape.broadcastsTo(x.shape, g.shape)) {
            throw new ShapeException("the derivative rule of '" + e.op + "' returned a gradient of shape " + Shape.str(g.shape)
                    + " " + g.dtype + " for input " + j + " of shape " + Shape.str(x.shape) + " " + x.dtype
                    + ": it must have the input's shape (or the output's broadcast shape) and dtype");
        }
        return g;
    }
}

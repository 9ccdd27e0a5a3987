package io.elbo.autodiff.backend;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Storage reuse for a loop of identical steps, such as training. While an arena is entered, the
 * results of ops (and the gradients the tape computes) take their arrays from it; when the entry is
 * closed the arrays go back to the arena, and the next entry's ops take them again. A training
 * loop that enters once per step therefore allocates, and has the JVM zero, almost nothing per step:
 *
 * <pre>
 *   Arena arena = new Arena();
 *   for (Tensor x : batches) {
 *       try (var step = arena.enter()) {
 *           optimizer.zeroGrad();
 *           Tensor loss = model.loss(x);
 *           loss.backward();
 *           optimizer.step();
 *       }
 *   }
 * </pre>
 *
 * <p><b>The rule:</b> an op result made inside an entry — activations, the loss, the gradients in
 * the parameters' {@code grad()} — is valid only until the arena is entered again. Only op results
 * come from the arena: tensors made by {@code Tensor.zeros}, {@code Tensor.of}, {@code Tensor.randn}
 * and the other factories (optimiser state, data) are always new, so state created lazily inside a
 * step survives it. An arena belongs to one thread and is entered once at a time.
 */
public final class Arena {
    private static final ThreadLocal<Arena> CURRENT = new ThreadLocal<>();

    /** Arrays returned by earlier entries, by element type ({@code float[].class}, {@code double[].class}) and length. */
    private final Map<Class<?>, Map<Integer, ArrayDeque<Object>>> free = new HashMap<>();
    private final ArrayList<Object> lent = new ArrayList<>();
    private Arena previous;
    private boolean entered;
    /** How many times this arena has been entered: an op result made in entry g is valid while this is g. */
    private long generation;
    private long reused, allocated;

    /** Makes this arena the current thread's source of op storage until the entry is closed. */
    public Entry enter() {
        if (entered) throw new IllegalStateException("Arena.enter: this arena is already entered");
        entered = true;
        generation++;
        previous = CURRENT.get();
        CURRENT.set(this);
        return new Entry();
    }

    /** An entry of the arena; closing it returns every array lent since {@link #enter()}. */
    public final class Entry implements AutoCloseable {
        private boolean closed;

        private Entry() {}

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            for (Object array : lent) {
                int n = array instanceof float[] f ? f.length : ((double[]) array).length;
                free.computeIfAbsent(array.getClass(), d -> new HashMap<>()).computeIfAbsent(n, k -> new ArrayDeque<>()).push(array);
            }
            lent.clear();
            entered = false;
            CURRENT.set(previous);
            previous = null;
        }
    }

    /** The arena entered on this thread, or null. */
    public static Arena current() {
        return CURRENT.get();
    }

    /**
     * The number of the current (or last) entry: a result made in an entry stays valid while this number is
     * unchanged, that is until the arena is entered again.
     */
    public long generation() {
        return generation;
    }

    /** Arrays handed out again, and arrays newly allocated, over the arena's life (for tests and benchmarks). */
    public long reused() { return reused; }

    /** Arrays allocated because none of the right size was free, over the arena's life. */
    public long allocated() { return allocated; }

    /**
     * A float array of n elements for an op's result, whose every element the op writes: from the
     * current arena when one is entered (it may hold an earlier step's values), else new.
     */
    public static float[] floats(int n) {
        return (float[]) take(float[].class, n);
    }

    /** {@link #floats} for a double array. */
    public static double[] doubles(int n) {
        return (double[]) take(double[].class, n);
    }

    private static Object take(Class<?> type, int n) {
        Arena a = CURRENT.get();
        Object array = null;
        if (a != null) {
            Map<Integer, ArrayDeque<Object>> bySize = a.free.get(type);
            ArrayDeque<Object> arrays = bySize == null ? null : bySize.get(n);
            array = arrays == null ? null : arrays.poll();
            if (array != null) a.reused++;
            else a.allocated++;
        }
        if (array == null) array = type == float[].class ? new float[n] : new double[n];
        if (a != null) a.lent.add(array);
        return array;
    }
}

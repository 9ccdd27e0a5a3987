package io.elbo.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
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
 * the parameters' {@link Tensor#grad()} — is valid only until the arena is entered again. Only op
 * results come from the arena: tensors made by {@link Tensor#zeros}, {@link Tensor#of},
 * {@link Tensor#randn} and the other factories (optimiser state, data) are always new, so state
 * created lazily inside a step survives it. An arena belongs to one thread and is entered once at a
 * time.
 */
public final class Arena {
    private static final ThreadLocal<Arena> CURRENT = new ThreadLocal<>();

    private final Map<DType, Map<Integer, ArrayDeque<Object>>> free = new EnumMap<>(DType.class);
    private final ArrayList<Object> lent = new ArrayList<>();
    private Arena previous;
    private boolean entered;
    private long reused, allocated;

    /** Makes this arena the current thread's source of op storage until the entry is closed. */
    public Entry enter() {
        if (entered) throw new IllegalStateException("Arena.enter: this arena is already entered");
        entered = true;
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
                DType dtype = array instanceof float[] ? DType.FLOAT32 : DType.FLOAT64;
                int n = array instanceof float[] f ? f.length : ((double[]) array).length;
                free.computeIfAbsent(dtype, d -> new HashMap<>()).computeIfAbsent(n, k -> new ArrayDeque<>()).push(array);
            }
            lent.clear();
            entered = false;
            CURRENT.set(previous);
            previous = null;
        }
    }

    /** Arrays handed out again, and arrays newly allocated, over the arena's life (for tests and benchmarks). */
    public long reused() { return reused; }

    public long allocated() { return allocated; }

    /**
     * An array of n elements for an op's result, whose every element the op writes: from the
     * current arena when one is entered (it may hold an earlier step's values), else new.
     */
    static Object allocate(DType dtype, int n) {
        Arena a = CURRENT.get();
        if (a == null) return dtype.kernels().allocate(n);
        Map<Integer, ArrayDeque<Object>> bySize = a.free.get(dtype);
        ArrayDeque<Object> arrays = bySize == null ? null : bySize.get(n);
        Object array;
        if (arrays != null && !arrays.isEmpty()) {
            array = arrays.pop();
            a.reused++;
        } else {
            array = dtype.kernels().allocate(n);
            a.allocated++;
        }
        a.lent.add(array);
        return array;
    }
}

package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.backend.Arena;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * No gradient is silently wrong: (1) back-propagating into an intermediate whose part of the tape an
 * earlier backward pass consumed throws, as PyTorch's "trying to backward through the graph a second
 * time", instead of leaving the leaves behind it without their share; with the first pass retained, the
 * second gives exactly the gradient of a fresh graph. (2) An op result whose storage an {@link Arena}
 * entry lent is refused once the arena has been entered again, instead of reading the storage a later
 * step reuses; its views too; a copy made inside the entry stays valid.
 */
class NoSilentWrongGradientProperties {
    @AfterProperty
    void emptyTape() {
        Tape.clear();
    }

    /** Ops that keep the shape, so that any two can follow each other. */
    static final List<UnaryOperator<Tensor>> OPS = List.of(Tensor::tanh, Tensor::sigmoid, Tensor::exp, Tensor::softplus, Tensor::relu,
            t -> t.mul(t), t -> t.add(1.5), t -> t.mul(-0.7), Tensor::sin, t -> t.reshape(-1).reshape(t.shape()));

    @Provide
    Arbitrary<List<UnaryOperator<Tensor>>> chains() {
        return Arbitraries.of(OPS).list().ofMinSize(1).ofMaxSize(4);
    }

    static Tensor apply(List<UnaryOperator<Tensor>> chain, Tensor x) {
        for (UnaryOperator<Tensor> f : chain) x = f.apply(x);
        return x;
    }

    @Property(tries = 60)
    void backwardThroughAConsumedGraphThrowsAndARetainedOneGivesTheFreshGradient(
            @ForAll("chains") List<UnaryOperator<Tensor>> first, @ForAll("chains") List<UnaryOperator<Tensor>> second,
            @ForAll @IntRange(min = 0, max = 1) int dtype) {
        DType dt = dtype == 0 ? DType.FLOAT64 : DType.FLOAT32;
        Tensor w = Tensor.fromArray(dt, new double[] {0.3, -1.2, 0.8, 2.0, -0.1, 0.05}, 2, 3).variable();
        Tensor h = w.mul(w.sin()).tanh(); // an intermediate both losses use
        apply(first, h).sum().backward(); // consumes the tape, h's entries included
        Tensor loss2 = apply(second, h).sum();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss2::backward);
        assertTrue(e.getMessage().contains("trying to backward through the graph a second time"), e.getMessage());
        Tape.clear();

        // Retained, the second pass adds exactly what a fresh graph gives.
        Function<List<UnaryOperator<Tensor>>, double[]> fresh = chain -> {
            Tensor v = w.detach().copy().variable();
            apply(chain, v.mul(v.sin()).tanh()).sum().backward();
            return v.grad().toDoubleArray();
        };
        double[] g1 = fresh.apply(first), g2 = fresh.apply(second);
        w.zeroGrad();
        Tensor h2 = w.mul(w.sin()).tanh();
        Tape.backward(apply(first, h2).sum(), Tape.options().retainGraph());
        assertArrayEquals(g1, w.grad().toDoubleArray(), 0);
        apply(second, h2).sum().backward();
        double[] both = w.grad().toDoubleArray();
        for (int i = 0; i < both.length; i++) {
            double sum = dt == DType.FLOAT32 ? (float) g1[i] + (float) g2[i] : g1[i] + g2[i];
            assertTrue(both[i] == sum, "element " + i + ": " + both[i] + " vs " + g1[i] + " + " + g2[i]);
        }
    }

    @Property(tries = 30)
    void theGradientOfAConsumedIntermediateItselfIsStillDefined(@ForAll("chains") List<UnaryOperator<Tensor>> second) {
        Tensor w = Tensor.of(new double[] {0.3, -1.2, 0.8}).variable();
        Tensor h = w.exp();
        h.sum().backward();
        Tensor loss2 = apply(second, h).sum();
        Tensor viaH = Tape.grad(loss2, List.of(h)).get(0); // wanting h stops the pass at h: nothing behind it is needed
        Tensor hh = h.detach().variable();
        Tensor expected = Tape.grad(apply(second, hh).sum(), List.of(hh)).get(0);
        assertArrayEquals(expected.toDoubleArray(), viaH.toDoubleArray(), 0);
    }

    /** Ways to use a tensor: each reads its storage. */
    static final List<Function<Tensor, Object>> USES = List.of(Tensor::item, Tensor::toDoubleArray, t -> t.add(1), t -> t.reshape(1, 1, 1),
            Tensor::detach, Tensor::copy, Tensor::toString, t -> t.sum(), Tensor::allFinite, t -> t.matmul(t.reshape(1, 1)));

    @Property(tries = 60)
    void aResultFromAnEarlierArenaEntryIsRefusedOnceTheArenaIsEnteredAgain(
            @ForAll("chains") List<UnaryOperator<Tensor>> chain, @ForAll @IntRange(min = 0, max = 9) int use,
            @ForAll @IntRange(min = 0, max = 1) int dtype) {
        DType dt = dtype == 0 ? DType.FLOAT64 : DType.FLOAT32;
        Arena arena = new Arena();
        Tensor kept, view, copied;
        try (var step = arena.enter()) {
            // An elementwise op's result takes arena storage (a reduction's accumulates into fresh zeros and is its own).
            kept = apply(chain, Tensor.fromArray(dt, new double[] {0.25}, 1, 1).variable().tanh());
            view = kept.reshape(1).detach();
            copied = kept.copy();
            USES.get(use).apply(kept); // valid within its entry
        }
        USES.get(use).apply(kept); // closed but not re-entered: the storage is not reused yet
        try (var next = arena.enter()) {
            Tensor before = copied;
            for (Tensor stale : new Tensor[] {kept, view}) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> USES.get(use).apply(stale));
                assertTrue(e.getMessage().contains("used after the arena was entered again"), e.getMessage());
            }
            assertTrue(before.allFinite(), "a copy made inside the entry stays valid");
        }
    }
}

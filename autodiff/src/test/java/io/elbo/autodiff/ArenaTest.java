package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.backend.Arena;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Arena}: storage is reused from entry to entry, and reuse never changes a result. */
class ArenaTest {

    /** A small model touching every op that takes arena storage; returns its parameters after some SGD steps. */
    static List<float[]> train(DType dtype, Arena arena, int steps) {
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(7L);
        Tensor w1 = Tensor.randn(rng, dtype, 13, 9).mul(0.3).detach().variable();
        Tensor b1 = Tensor.randn(rng, dtype, 13).detach().variable();
        Tensor w2 = Tensor.randn(rng, dtype, 8, 13).mul(0.3).detach().variable();
        Tensor x = Tensor.uniform(rng, 0, 1, dtype, 5, 9);
        List<Tensor> params = List.of(w1, b1, w2);
        for (int s = 0; s < steps; s++) {
            try (var entry = arena == null ? null : arena.enter()) {
                Tensor h = Fused.linear(x, w1, b1).relu().tanh();
                Tensor out = Fused.linear(h, w2, null);                              // [5, 8]
                Tensor mu = out.slice(1, 0, 4), logVar = out.slice(1, 4, 8).clamp(-5, 5);
                Tensor eps = Tensor.randn(rng, dtype, 2, 5, 4);
                Tensor z = Fused.reparameterize(mu, logVar.mul(0.5).exp(), eps);    // [2, 5, 4]
                Tensor recon = Fused.binaryCrossEntropyWithLogits(Ops.concat(2, z, z.permute(0, 1, 2).sigmoid()).reshape(2, 5, 8).mean(false, 0),
                        x.slice(1, 0, 8)).sum();
                Tensor kl = Fused.klStandardNormal(mu, logVar).sum();
                Tensor loss = recon.add(kl).add(Ops.where(Ops.gt(h, Tensor.scalar(0.5, dtype)), h, h.square()).mean());
                for (Tensor p : params) p.zeroGrad();
                loss.backward();
                for (Tensor p : params) { // p ← p − 0.05·g, in place
                    if (p.data() instanceof float[] pf) {
                        float[] g = (float[]) p.grad().data();
                        for (int i = 0; i < pf.length; i++) pf[i] -= 0.05f * g[i];
                    } else {
                        double[] pd = (double[]) p.data(), g = (double[]) p.grad().data();
                        for (int i = 0; i < pd.length; i++) pd[i] -= 0.05 * g[i];
                    }
                }
            }
        }
        List<float[]> out = new ArrayList<>();
        for (Tensor p : params) out.add(p.toFloatArray());
        return out;
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void trainingInAnArenaGivesTheSameBitsAsWithout(DType dtype) {
        Arena arena = new Arena();
        List<float[]> with = train(dtype, arena, 6), without = train(dtype, null, 6);
        for (int i = 0; i < with.size(); i++) assertArrayEquals(without.get(i), with.get(i), 0f, "parameter " + i);
        assertTrue(arena.reused() > 0, "the later steps reuse the first step's arrays");
        long afterSix = arena.allocated();
        train(dtype, arena, 4);
        // A fresh model of the same shapes allocates nothing new in the arena after its first step
        // (randn and the parameters are factories, never from the arena).
        assertEquals(afterSix, arena.allocated(), "steady steps allocate no new arena arrays");
    }

    @Test
    void factoriesInsideAnEntryAreNotTakenFromTheArena() {
        Arena arena = new Arena();
        Tensor state;
        try (var e = arena.enter()) {
            state = Tensor.zeros(DType.FLOAT32, 1000);      // e.g. an optimiser's lazily created state
            Ops.exp(Tensor.ones(DType.FLOAT32, 1000));
        }
        try (var e = arena.enter()) {
            Tensor reused = Ops.exp(Tensor.full(3, DType.FLOAT32, 1000)); // takes the exp result's array back
            assertEquals(Math.exp(3), reused.get(0), 1e-5);
        }
        assertArrayEquals(new float[1000], state.toFloatArray(), 0f);
        assertEquals(1, arena.reused());
    }

    @Test
    void anArenaIsEnteredOnceAtATime() {
        Arena arena = new Arena();
        try (var e = arena.enter()) {
            assertThrows(IllegalStateException.class, arena::enter);
        }
        try (var e = arena.enter()) {
            assertTrue(true); // entering again after the close works
        }
    }
}

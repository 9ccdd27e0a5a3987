package io.elbo.spark;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.InPlace;
import io.elbo.nn.Parameter;
import io.elbo.vae.VAE;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.PermutationSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Synchronous data-parallel training, the arithmetic alone (no Spark here): how a global batch is cut
 * into shards, each shard's gradient, and their sum. Written once, and used both by Spark's tasks
 * ({@link SparkWorkers}) and by the single-process reference ({@link InProcessWorkers}), which is why the
 * two give the same bits.
 *
 * <ul>
 *   <li>Epoch e visits the training rows in the order of a permutation drawn from (seed, 2, e), as
 *       {@code vae train} does; step t takes positions [t·B, (t+1)·B) of it (a last partial batch is
 *       dropped), and shard k of the step the S consecutive positions from t·B + k·S.</li>
 *   <li>A shard's gradient is {@link VAE#backwardObjective} of its rows with weight S/B, so the shards'
 *       gradients sum to the batch's mean gradient; its random numbers come from (seed, 6, step, shard)
 *       alone, whichever worker computes it, however often.</li>
 *   <li>The shards' gradients are summed in a binary tree whose shape depends only on their number:
 *       level by level, (0 + 1), (2 + 3), ..., an odd last one carried up. Adding two vectors is
 *       commutative element by element, so nothing depends on which arrives first.</li>
 * </ul>
 */
public final class DataParallel {
    private DataParallel() {}

    /**
     * A global batch of {@code globalBatch} rows cut into shards of {@code shardSize}.
     *
     * @param globalBatch B, the rows of one step
     * @param shardSize   S, the rows of one shard (B is a multiple of S)
     * @serial exclude
     */
    public record Plan(int globalBatch, int shardSize) implements Serializable {
        /** Checks that the global batch is a positive multiple of the shard size. */
        public Plan {
            if (shardSize < 1 || globalBatch < shardSize || globalBatch % shardSize != 0) {
                throw new IllegalArgumentException("the global batch (" + globalBatch + ") must be a positive multiple of the shard size ("
                        + shardSize + ")");
            }
        }

        /** Shards per step. */
        public int shards() {
            return globalBatch / shardSize;
        }

        /** Steps per epoch over n rows (whole batches only). */
        public int steps(int n) {
            return n / globalBatch;
        }
    }

    /**
     * What a shard's task sends back: its gradient, flat in parameter order, and its terms summed over its rows.
     *
     * @param shard          k, the shard's index in its step
     * @param floats         the gradient of a float32 model, or null
     * @param doubles        the gradient of a float64 model, or null
     * @param rows           the shard's rows
     * @param elbo           the ELBO summed over the rows
     * @param reconstruction E_q[log p(x|z)] summed over the rows
     * @param kl             KL(q(z|x) ‖ p(z)) summed over the rows
     * @serial exclude
     */
    public record ShardResult(int shard, float[] floats, double[] doubles, double rows, double elbo, double reconstruction, double kl)
            implements Serializable {
        /** Bytes of gradient this result carries. */
        public long gradientBytes() {
            return floats != null ? 4L * floats.length : 8L * doubles.length;
        }
    }

    /** The permutation epoch {@code epoch} visits the n training rows in (as vae train shuffles). */
    public static int[] order(long seed, int epoch, int n) {
        int[] order = PermutationSampler.natural(n);
        PermutationSampler.shuffle(io.elbo.vae.Streams.of(seed, 2, epoch), order);
        return order;
    }

    /** The random generator of one shard at one step: a function of (seed, step, shard) only. */
    public static UniformRandomProvider rng(long seed, long step, int shard) {
        return io.elbo.vae.Streams.of(seed, 6, step, shard);
    }

    /**
     * Shard {@code shard}'s contribution at global step {@code step}: the gradient of (S/B)·objective on its
     * rows x, computed by the VAE's own training code, with the model's current parameters.
     */
    public static ShardResult shardGradient(VAE vae, Tensor x, long seed, long step, int shard, VAE.ElboOptions options, Plan plan) {
        try (var arena = vae.enterArena()) {
            vae.zeroGrad();
            VAE.Terms t = vae.backwardObjective(x, rng(seed, step, shard), options, step, (double) x.dim(0) / plan.globalBatch());
            Object g = flatten(vae, Parameter::grad);
            double rows = x.dim(0);
            return new ShardResult(shard, g instanceof float[] f ? f : null, g instanceof double[] d ? d : null, rows, t.elbo() * rows,
                    t.reconstruction() * rows, t.kl() * rows);
        }
    }

    /** The shards' gradients summed in the fixed binary tree (results in shard order, as their indices say). */
    public static Object treeSum(List<ShardResult> results) {
        List<ShardResult> byShard = new ArrayList<>(results);
        byShard.sort(java.util.Comparator.comparingInt(ShardResult::shard));
        for (int i = 0; i < byShard.size(); i++) {
            if (byShard.get(i).shard() != i) throw new IllegalStateException("shard " + i + " is missing from the step's results");
        }
        List<Object> level = new ArrayList<>();
        for (ShardResult r : byShard) level.add(r.floats() != null ? r.floats().clone() : r.doubles().clone());
        while (level.size() > 1) {
            List<Object> next = new ArrayList<>();
            for (int i = 0; i + 1 < level.size(); i += 2) next.add(add(level.get(i), level.get(i + 1)));
            if (level.size() % 2 == 1) next.add(level.get(level.size() - 1));
            level = next;
        }
        return level.get(0);
    }

    private static Object add(Object a, Object b) {
        if (a instanceof float[] x) {
            float[] y = (float[]) b;
            for (int i = 0; i < x.length; i++) x[i] += y[i];
            return x;
        }
        double[] x = (double[]) a, y = (double[]) b;
        for (int i = 0; i < x.length; i++) x[i] += y[i];
        return x;
    }

    /** Sets every parameter's gradient from a flat array in parameter order (for the optimiser's step). */
    public static void setGradients(VAE vae, Object flat) {
        int at = 0;
        for (Parameter p : vae.parameters()) {
            Tensor v = p.value();
            int m = v.numel();
            Tensor g = flat instanceof float[] f ? Tensor.of(java.util.Arrays.copyOfRange(f, at, at + m), v.shape())
                    : Tensor.of(java.util.Arrays.copyOfRange((double[]) flat, at, at + m), v.shape());
            v.setGrad(g);
            at += m;
        }
    }

    /** A flat copy of the parameters, in parameter order: what the driver sends the workers each step. */
    public static Object parameters(VAE vae) {
        return flatten(vae, Parameter::value);
    }

    /** One tensor per parameter ({@code which}: its value or its gradient; null counts as zeros) laid end to end in parameter order. */
    private static Object flatten(VAE vae, java.util.function.Function<Parameter, Tensor> which) {
        List<Parameter> ps = vae.parameters();
        int n = Math.toIntExact(vae.parameterCount());
        Object out = ps.get(0).value().dtype() == DType.FLOAT32 ? new float[n] : new double[n];
        int at = 0;
        for (Parameter p : ps) {
            Tensor t = which.apply(p);
            if (t != null) InPlace.copyOut(t, out, at);
            at += p.value().numel();
        }
        return out;
    }

    /** Copies a flat array of parameters (from {@link #parameters}) into a model of the same architecture. */
    public static void loadParameters(VAE vae, Object flat) {
        int at = 0;
        for (Parameter p : vae.parameters()) {
            InPlace.copyIn(flat, at, p.value());
            at += p.value().numel();
        }
    }
}

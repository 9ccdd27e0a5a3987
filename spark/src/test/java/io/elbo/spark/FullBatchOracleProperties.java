package io.elbo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Adam;
import io.elbo.nn.Optimizer;
import io.elbo.nn.Parameter;
import io.elbo.nn.SGD;
import io.elbo.vae.Posterior;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The data-parallel step against the single-process batch gradient it stands for, not against its own
 * in-process twin (which shares its arithmetic): in float64, the shards' gradients, each of (S/B)·objective
 * on its rows, summed in the tree, are the gradient of the objective of the whole batch of B rows, written
 * out here from the model's parts (encode, the posterior's samples on given noise, decode, the likelihood,
 * the KL; the IWAE bound's log-mean-exp by hand) and back-propagated once on the concatenated batch with
 * the shards' own noise laid side by side. That gradient is itself checked against central differences
 * of the same objective along random directions, so no part of the oracle is taken on trust.
 */
class FullBatchOracleProperties {
    private static final int ROWS = 2, COLS = 3, D = ROWS * COLS, LATENT = 2;

    /**
     * Σₖ (Sₖ/B)·∇objective(shard k) = ∇objective(batch) for any cut of a batch into 1 to 6 shards of 1 to 7
     * rows each (uneven cuts included), any objective (ELBO with 1 to 3 samples, analytic or sampled KL, β
     * with a warm-up; IWAE with k = 2 or 3), likelihood and posterior (Gaussian or a flow).
     */
    @Property(tries = 24)
    void theShardsRowWeightedGradientsSumToTheFullBatchGradientOfOnePlainBackward(@ForAll long seed,
            @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 1, max = 7) Integer> shardRows, @ForAll("objectives") VAE.ElboOptions options,
            @ForAll("likelihoods") String likelihood, @ForAll("posteriors") String posterior, @ForAll @IntRange(min = 0, max = 9) int step) {
        VAE vae = model(seed, likelihood, posterior);
        int b = shardRows.stream().mapToInt(Integer::intValue).sum();
        Tensor[] xs = new Tensor[shardRows.size()];
        UniformRandomProvider data = RandomSource.XO_RO_SHI_RO_128_PP.create(seed ^ 0x5eed);
        List<DataParallel.ShardResult> results = new ArrayList<>();
        DataParallel.Plan plan = new DataParallel.Plan(b, 1); // only B matters to a shard: its weight is its rows / B
        for (int k = 0; k < xs.length; k++) {
            xs[k] = binary(data, shardRows.get(k));
            results.add(DataParallel.shardGradient(vae, xs[k], seed, step, k, options, plan));
        }
        double[] sharded = (double[]) DataParallel.treeSum(results);

        Tensor x = rowsOf(xs);
        Tensor[] eps = shardNoise(seed, step, shardRows, samples(options));
        double[] full = fullBatchGradient(vae, x, eps, options, step);
        assertClose(full, sharded, 1e-11, "Σ shards vs the full batch for shards " + shardRows + ", " + options + ", " + likelihood + ", " + posterior);
        assertTheGradientIsTheObjectivesDerivative(vae, x, eps, options, step, full, seed);
    }

    /**
     * One synchronous data-parallel step on any number of shards (1 to 6 of 1 to 4 rows) is the optimiser's
     * step on the full batch's gradient: two steps of an epoch (whose rows come from the epoch's
     * permutation) with InProcessWorkers and the DataParallelTrainer give, within float64 rounding, the
     * parameters of a model that took sgd (with momentum), adam or adamw steps on the gradient of one
     * plain backward of each whole batch.
     */
    @Property(tries = 12)
    void aDataParallelStepOnAnyNumberOfShardsIsTheOptimisersStepOnTheFullBatchGradient(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 6) int shards, @ForAll @IntRange(min = 1, max = 4) int shardSize,
            @ForAll("objectives") VAE.ElboOptions options, @ForAll("optimisers") String optimiser, @ForAll @IntRange(min = 1, max = 2) int epoch) {
        DataParallel.Plan plan = new DataParallel.Plan(shards * shardSize, shardSize);
        int n = 2 * plan.globalBatch() + 1;
        UniformRandomProvider data = RandomSource.XO_RO_SHI_RO_128_PP.create(seed ^ 0xda7a);
        Dataset train = dataset(data, n);
        VAE.Config config = config("bernoulli", "gaussian");
        ModelSpec spec = ModelSpec.of(config, options, seed);

        VAE parallel = new VAE(config, RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
        VAE single = new VAE(config, RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
        Optimizer parallelOpt = optimiser(optimiser, parallel.parameters()), singleOpt = optimiser(optimiser, single.parameters());
        DataParallelTrainer trainer = new DataParallelTrainer(parallel, parallelOpt);
        int[] order = DataParallel.order(seed, epoch, n);
        long first = (long) (epoch - 1) * plan.steps(n);
        try (var workers = new InProcessWorkers(train, spec, plan)) {
            workers.startEpoch(epoch, order);
            for (int s = 0; s < plan.steps(n); s++) {
                long global = first + s;
                trainer.step(workers, s, global);

                Tensor x = train.rows(Arrays.copyOfRange(order, s * plan.globalBatch(), (s + 1) * plan.globalBatch()), DType.FLOAT64);
                List<Integer> rows = new ArrayList<>();
                for (int k = 0; k < shards; k++) rows.add(shardSize);
                fullBatchGradient(single, x, shardNoise(seed, global, rows, samples(options)), options, global); // leaves ∇ in the parameters
                singleOpt.step();
            }
        }
        assertClose((double[]) DataParallel.parameters(single), (double[]) DataParallel.parameters(parallel), 1e-10,
                optimiser + " after two steps on " + shards + " shards of " + shardSize + ", " + options);
    }

    @Provide
    Arbitrary<VAE.ElboOptions> objectives() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(1, 3).flatMap(l -> Arbitraries.of(true, false).flatMap(analytic -> Arbitraries.of(0, 4)
                        .map(warmup -> new VAE.ElboOptions(l, 0.7, analytic, warmup, 1)))),
                Arbitraries.integers().between(2, 3).map(k -> new VAE.ElboOptions(1, 1.0, true, 0, k)));
    }

    @Provide
    Arbitrary<String> likelihoods() {
        return Arbitraries.of("bernoulli", "continuous-bernoulli", "gaussian", "gaussian-fixed");
    }

    @Provide
    Arbitrary<String> posteriors() {
        return Arbitraries.of("gaussian", "gaussian", "planar:2", "iaf:1");
    }

    @Provide
    Arbitrary<String> optimisers() {
        return Arbitraries.of("sgd", "adam", "adamw");
    }

    private static Optimizer optimiser(String kind, List<Parameter> ps) {
        return switch (kind) {
            case "sgd" -> new SGD(ps, 0.05).momentum(0.9);
            case "adam" -> Adam.adam(ps, 0.01);
            default -> Adam.adamW(ps, 0.01);
        };
    }

    private static VAE.Config config(String likelihood, String posterior) {
        return new VAE.Config(D, new int[] {5}, LATENT, "tanh", likelihood, 0.5, DType.FLOAT64, posterior, "standard-normal");
    }

    private static VAE model(long seed, String likelihood, String posterior) {
        return new VAE(config(likelihood, posterior), RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
    }

    /** The noise draws per datum: L samples for the ELBO, k for IWAE. */
    private static int samples(VAE.ElboOptions o) {
        return o.iwaeK() > 1 ? o.iwaeK() : o.samples();
    }

    /**
     * The standard-normal draws the shards make (shard k: [L, Sₖ, K] from its own generator (seed, step, k)),
     * laid side by side along the batch axis and returned one [1, B, K] tensor per sample l.
     */
    static Tensor[] shardNoise(long seed, long step, List<Integer> shardRows, int samples) {
        int b = shardRows.stream().mapToInt(Integer::intValue).sum();
        double[][] perSample = new double[samples][b * LATENT];
        int at = 0;
        for (int k = 0; k < shardRows.size(); k++) {
            int s = shardRows.get(k);
            double[] e = Tensor.randn(DataParallel.rng(seed, step, k), DType.FLOAT64, samples, s, LATENT).toDoubleArray();
            for (int l = 0; l < samples; l++) System.arraycopy(e, l * s * LATENT, perSample[l], at * LATENT, s * LATENT);
            at += s;
        }
        Tensor[] out = new Tensor[samples];
        for (int l = 0; l < samples; l++) out[l] = Tensor.of(perSample[l], 1, b, LATENT);
        return out;
    }

    /**
     * The training objective of the whole batch x [B, D] on the noise eps (one [1, B, K] per sample),
     * written out term by term: the ELBO's −(1/B) Σ_b [(1/L) Σ_l log p(x_b | z_lb) − β·KL_b], KL in closed
     * form or (1/L) Σ_l [log q(z_lb|x_b) − log p(z_lb)]; IWAE's −(1/B) Σ_b log (1/k) Σ_l w_lb.
     */
    static Tensor objective(VAE vae, Tensor x, Tensor[] eps, VAE.ElboOptions o, long step) {
        Posterior q = vae.encode(x);
        int b = x.dim(0), l = eps.length;
        Tensor[] logLik = new Tensor[l], logW = new Tensor[l];
        Tensor sampledKl = null;
        for (int i = 0; i < l; i++) {
            Posterior.Sample s = q.rsample(eps[i]);
            Tensor z = s.z().reshape(b, LATENT);
            logLik[i] = vae.logLikelihood(x, vae.decode(z));
            Tensor logRatio = s.logProb().reshape(b).sub(vae.prior().logProb(z)); // log q(z|x) − log p(z)
            logW[i] = logLik[i].sub(logRatio);
            sampledKl = sampledKl == null ? logRatio : sampledKl.add(logRatio);
        }
        if (o.iwaeK() > 1) {
            double[] max = new double[b];
            Arrays.fill(max, Double.NEGATIVE_INFINITY);
            for (Tensor w : logW) {
                double[] v = w.toDoubleArray();
                for (int j = 0; j < b; j++) max[j] = Math.max(max[j], v[j]);
            }
            Tensor m = Tensor.of(max, b); // a constant: log Σ exp(w) = m + log Σ exp(w − m) for any m
            Tensor sum = null;
            for (Tensor w : logW) sum = sum == null ? w.sub(m).exp() : sum.add(w.sub(m).exp());
            return sum.log().add(m).sub(Math.log(l)).sum().mul(-1.0 / b);
        }
        Tensor recon = logLik[0];
        for (int i = 1; i < l; i++) recon = recon.add(logLik[i]);
        recon = recon.mul(1.0 / l);
        Tensor kl = o.analyticKl() ? q.analyticKl(vae.prior()).orElse(sampledKl.mul(1.0 / l)) : sampledKl.mul(1.0 / l);
        return recon.sub(kl.mul(o.betaAt(step))).sum().mul(-1.0 / b);
    }

    /** One plain backward of the whole batch's objective; the gradient, flat in parameter order (and left in the parameters). */
    static double[] fullBatchGradient(VAE vae, Tensor x, Tensor[] eps, VAE.ElboOptions o, long step) {
        vae.zeroGrad();
        objective(vae, x, eps, o, step).backward();
        List<Parameter> ps = vae.parameters();
        double[] g = new double[Math.toIntExact(vae.parameterCount())];
        int at = 0;
        for (Parameter p : ps) {
            double[] v = p.grad().toDoubleArray();
            System.arraycopy(v, 0, g, at, v.length);
            at += v.length;
        }
        return g;
    }

    /**
     * ⟨∇f, t⟩ along three random unit directions t, by central differences D(h) = (f(θ + h·t) − f(θ − h·t)) / 2h
     * extrapolated (Richardson): D(h) = f'(t) + c·h² + O(h⁴), so (4·D(h/2) − D(h)) / 3 = f'(t) + O(h⁴), h = 1e-5.
     * A plain D(h) is not enough here: a planar flow's û = u + (m(wᵀu) − wᵀu)·w/‖w‖² has a third derivative of
     * order 1/‖w‖³, and where the encoder's w is small the h² term alone reached 2·10⁻⁵ (measured: the error of
     * D(h) fell 100-fold for each 10-fold smaller h, so the gradient was right and the difference was not).
     */
    private static void assertTheGradientIsTheObjectivesDerivative(VAE vae, Tensor x, Tensor[] eps, VAE.ElboOptions o, long step, double[] g,
                                                                   long seed) {
        double[] theta = (double[]) DataParallel.parameters(vae);
        UniformRandomProvider r = RandomSource.XO_RO_SHI_RO_128_PP.create(seed ^ 0xd1ff);
        double h = 1e-5;
        for (int dir = 0; dir < 3; dir++) {
            double[] t = Tensor.randn(r, DType.FLOAT64, theta.length).toDoubleArray();
            double norm = 0;
            for (double v : t) norm += v * v;
            norm = Math.sqrt(norm);
            double dot = 0;
            for (int i = 0; i < t.length; i++) {
                t[i] /= norm; // a unit direction: the truncation error h²/6·f'''(t, t, t) does not grow with the parameter count
                dot += g[i] * t[i];
            }
            double fd = (4 * centralDifference(vae, x, eps, o, step, theta, t, h / 2) - centralDifference(vae, x, eps, o, step, theta, t, h)) / 3;
            DataParallel.loadParameters(vae, theta);
            assertEquals(fd, dot, 1e-6 * (1 + Math.abs(fd)), "⟨∇f, t⟩ against central differences, direction " + dir + ", " + o);
        }
    }

    private static double centralDifference(VAE vae, Tensor x, Tensor[] eps, VAE.ElboOptions o, long step, double[] theta, double[] t, double h) {
        return (valueAt(vae, x, eps, o, step, theta, t, h) - valueAt(vae, x, eps, o, step, theta, t, -h)) / (2 * h);
    }

    private static double valueAt(VAE vae, Tensor x, Tensor[] eps, VAE.ElboOptions o, long step, double[] theta, double[] t, double h) {
        double[] moved = theta.clone();
        for (int i = 0; i < moved.length; i++) moved[i] += h * t[i];
        DataParallel.loadParameters(vae, moved);
        try (var off = Tape.noGrad()) {
            return objective(vae, x, eps, o, step).item();
        }
    }

    private static Tensor binary(UniformRandomProvider r, int rows) {
        double[] v = new double[rows * D];
        for (int i = 0; i < v.length; i++) v[i] = r.nextBoolean() ? 1 : 0;
        return Tensor.of(v, rows, D);
    }

    private static Dataset dataset(UniformRandomProvider r, int n) {
        float[] px = new float[n * D];
        for (int i = 0; i < px.length; i++) px[i] = r.nextBoolean() ? 1 : 0;
        return new Dataset(px, null, n, ROWS, COLS);
    }

    private static Tensor rowsOf(Tensor[] xs) {
        int b = 0;
        for (Tensor x : xs) b += x.dim(0);
        double[] all = new double[b * D];
        int at = 0;
        for (Tensor x : xs) {
            double[] v = x.toDoubleArray();
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        return Tensor.of(all, b, D);
    }

    private static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": lengths");
        int worst = 0;
        double worstErr = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]) / (1 + Math.abs(expected[i]));
            if (!(err <= worstErr)) {
                worst = i;
                worstErr = err;
            }
        }
        assertTrue(worstErr <= tol, what + ": worst entry " + worst + " is " + actual[worst] + ", expected " + expected[worst]
                + " (relative error " + worstErr + ")");
    }
}

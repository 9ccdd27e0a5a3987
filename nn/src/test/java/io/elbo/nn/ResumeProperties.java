package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Save at any step, load into fresh objects, continue: the bits of a run that never stopped, for every
 * optimiser and every learning-rate schedule (the fresh-process case is {@link ResumeTest}).
 */
class ResumeProperties {
    /** The optimisers and their settings (each setting that changes the update, and the state it keeps). */
    enum Opt {
        SGD(p -> new SGD(p, 0.1)),
        SGD_MOMENTUM(p -> new SGD(p, 0.05).momentum(0.9)),
        SGD_MOMENTUM_DAMPENING_WEIGHT_DECAY(p -> new SGD(p, 0.05).momentum(0.9).dampening(0.1).weightDecay(0.01)),
        SGD_NESTEROV_WEIGHT_DECAY(p -> new SGD(p, 0.05).momentum(0.9).nesterov(true).weightDecay(0.001)),
        ADAM(p -> Adam.adam(p, 0.01)),
        ADAM_BETAS_EPS_WEIGHT_DECAY(p -> Adam.adam(p, 0.01, 0.8, 0.99, 1e-6, 0.01)),
        ADAMW(p -> Adam.adamW(p, 0.01)),
        ADAMW_WEIGHT_DECAY(p -> Adam.adamW(p, 0.02, 0.9, 0.999, 1e-8, 0.1));

        final Function<List<Parameter>, Optimizer> make;

        Opt(Function<List<Parameter>, Optimizer> make) {
            this.make = make;
        }
    }

    /** Every schedule of {@link LrSchedule}, and one made of two with {@code then}; NONE leaves the rate alone. */
    enum Schedule {
        NONE(null),
        STEP(LrSchedule.step(3, 0.5)),
        EXPONENTIAL(LrSchedule.exponential(0.9)),
        COSINE(LrSchedule.cosine(10, 0.001)),
        LINEAR_WARMUP(LrSchedule.linear(0.1, 1.0, 4)),
        WARMUP_THEN_COSINE(LrSchedule.linear(0.2, 1.0, 3).then(3, LrSchedule.cosine(6, 0.0)));

        final LrSchedule schedule;

        Schedule(LrSchedule schedule) {
            this.schedule = schedule;
        }
    }

    static final int STEPS = 12;

    /** A run: an MLP, an optimiser, a schedule stepped once per step, minibatches drawn with a generator, gradients maybe clipped. */
    static final class Run {
        final Sequential model;
        final Optimizer optimizer;
        final Scheduler scheduler;
        final RestorableUniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(99L);
        final Tensor x, y;
        final double clip;

        Run(long initSeed, DType dtype, Opt opt, Schedule schedule, double clip) {
            model = MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(initSeed), dtype, 3, 5, 2).activation(Activation::tanh).build();
            optimizer = opt.make.apply(model.parameters());
            scheduler = schedule.schedule == null ? null : new Scheduler(optimizer, schedule.schedule);
            RestorableUniformRandomProvider data = RandomSource.XO_RO_SHI_RO_128_PP.create(5L);
            x = Tensor.uniform(data, -2, 2, dtype, 32, 3);
            y = Tensor.uniform(data, -1, 1, dtype, 32, 2);
            this.clip = clip;
        }

        void train(int steps) {
            for (int s = 0; s < steps; s++) {
                int[] rows = new int[8];
                for (int r = 0; r < rows.length; r++) rows[r] = rng.nextInt(x.dim(0));
                optimizer.zeroGrad();
                Ops.mse(model.forward(Ops.indexSelect(x, 0, rows)), Ops.indexSelect(y, 0, rows)).backward();
                if (clip > 0) GradClip.clipGradNorm(model.parameters(), clip);
                optimizer.step();
                if (scheduler != null) scheduler.step();
            }
        }

        void save(Path file) throws CheckpointException {
            Checkpoint.save(file, model, optimizer, rng, Map.of("epoch", Integer.toString(scheduler == null ? 0 : scheduler.epoch())));
        }

        void load(Path file) throws CheckpointException {
            Map<String, String> meta = Checkpoint.load(file, model, optimizer, rng);
            if (scheduler != null) scheduler.setEpoch(Integer.parseInt(meta.get("epoch")));
        }
    }

    /**
     * For every optimiser (sgd plain, with momentum, dampening, Nesterov and weight decay; adam and adamw
     * with their settings), every schedule (none, step, exponential, cosine, linear warm-up, warm-up then
     * cosine), with and without gradient clipping, in float32 and float64, saved after any of 12 steps (0
     * and 12 included) and loaded into a model, optimiser, scheduler and generator built afresh (another
     * initialisation), the run continued to 12 steps ends with the bits of the one that never stopped:
     * parameters, optimiser state, learning rate and generator.
     */
    @Property(tries = 40)
    void everyOptimiserAndScheduleResumedFromItsCheckpointAtAnyStepEndsWithTheBitsOfARunThatNeverStopped(@ForAll Opt opt,
            @ForAll Schedule schedule, @ForAll boolean clip, @ForAll boolean float64, @ForAll @IntRange(min = 0, max = STEPS) int cut)
            throws Exception {
        DType dtype = float64 ? DType.FLOAT64 : DType.FLOAT32;
        double maxNorm = clip ? 0.1 : 0;
        Run straight = new Run(1L, dtype, opt, schedule, maxNorm);
        straight.train(STEPS);

        Path dir = Files.createTempDirectory("resume");
        Path ckpt = dir.resolve("cut.safetensors"), a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        try {
            Run first = new Run(1L, dtype, opt, schedule, maxNorm);
            first.train(cut);
            first.save(ckpt);
            Run resumed = new Run(12345L, dtype, opt, schedule, maxNorm);
            resumed.load(ckpt);
            resumed.train(STEPS - cut);

            assertEquals(straight.optimizer.lr(), resumed.optimizer.lr(), "the learning rate after " + STEPS + " steps");
            assertEquals(straight.rng.nextLong(), resumed.rng.nextLong(), "the generator's state");
            straight.save(a);
            resumed.save(b);
            Map<String, SafeTensors.Entry> expected = SafeTensors.read(a).entries(), actual = SafeTensors.read(b).entries();
            assertEquals(expected.keySet(), actual.keySet(), "the state's tensors");
            for (String name : expected.keySet()) {
                SafeTensors.Entry e = expected.get(name), r = actual.get(name);
                if (e.tensor() == null) assertArrayEquals(e.bytes(), r.bytes(), name + " after a resume at step " + cut);
                else assertArrayEquals(e.tensor().toDoubleArray(), r.tensor().toDoubleArray(), name + " bit-identical after a resume at step " + cut);
            }
            assertEquals(SafeTensors.read(a).metadata(), SafeTensors.read(b).metadata(), "the metadata (step counts, rate, epoch)");
            assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "the two checkpoints' bytes");
        } finally {
            for (Path p : List.of(ckpt, a, b)) Files.deleteIfExists(p);
            Files.delete(dir);
        }
    }
}

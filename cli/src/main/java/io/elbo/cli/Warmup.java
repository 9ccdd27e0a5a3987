package io.elbo.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Optimizer;
import io.elbo.vae.Streams;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.lang.management.ManagementFactory;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The JIT's warm-up, paid before the timed work instead of during it. HotSpot runs a method first in
 * the interpreter, then as C1's code, and compiles it with C2 (where the Vector API becomes SIMD
 * instructions; in C1's code every vector operation is a call and an allocation, tens of times
 * slower) once it has run enough: a long loop gets there within a call or two, a method with a short
 * loop after {@code Tier4MinInvocationThreshold} calls (600 by default), one without a loop after
 * {@code Tier4InvocationThreshold} (5000). A kernel called once per training step on the latent batch
 * (the KL, the reparameterisation) therefore ran C1's code for the first 600 steps of epoch 1, while
 * C2's compiles took a core from the training threads. The
 * warm-up, on throwaway models with their own generators (the run's bits do not change), does two things:
 * <ol>
 *   <li>{@link #calls()} steps and evaluations, most of them by a narrow copy of the model (hidden
 *       widths at most {@link #NARROW}) on {@link #NARROW_ROWS} images, a fraction of a millisecond
 *       each once compiled, and every {@link #FULL_EVERY}th by the run's model on a batch of the run's
 *       size, so that C2 compiles from profiles that saw the full shapes: every kernel reaches its
 *       call count, and the first full-size step already finds the long loops compiled;</li>
 *   <li>two steps of a new copy of the run's model, whose arena is empty as the run's will be (code
 *       compiled from warm models' profiles alone was deoptimised when the run started: 8 C2 methods
 *       in epoch 1, 2 with these steps), then rounds of: wait until the JIT's queue ({@link CompileQueue})
 *       is empty, take one more full-size step; until a step leaves nothing to compile (or
 *       {@link #MAX_ROUNDS} rounds, {@link #MAX_WAIT_SECONDS}).</li>
 * </ol>
 * Its time is reported, not hidden.
 */
final class Warmup {
    private Warmup() {}

    /** Rows of a full-size evaluation (one chunk of {@link VAE#meanElbo}). */
    static final int EVAL_ROWS = 500;
    /** Widest hidden layer and rows of the narrow steps; a full-size step every this many narrow ones. */
    static final int NARROW = 32, NARROW_ROWS = 8, FULL_EVERY = 20;
    /** Rounds of (wait for the JIT, one more step) at most. */
    static final int MAX_ROUNDS = 40;
    /** The longest the warm-up waits for the JIT, in seconds. */
    static final double MAX_WAIT_SECONDS = 20;

    /**
     * What a warm-up did: its seconds, the steps (or evaluations) of the first part, and the rounds of
     * the second (-1 when it ended without the JIT's queue empty: unreadable, or the limits reached).
     */
    record Report(double seconds, int calls, int rounds, String why) {
        /** The first part's full-size steps: every {@link #FULL_EVERY}th. */
        int full() {
            return calls / FULL_EVERY;
        }

        /** E.g. "660 steps, 33 of them full-size, then 2 until the JIT had nothing left to compile". */
        String describe(String unit) {
            return calls + " " + unit + ", " + full() + " of them full-size, " + (rounds < 0 ? "without waiting for the JIT"
                    : "then " + rounds + " until the JIT had nothing left to compile");
        }

        /**
         * The warm-up: line, e.g. "2.3 s (660 steps, 33 of them full-size, then 2 until the JIT had nothing left
         * to compile: the kernels compiled before epoch 1)", "0.0 s (skipped: 39 steps to run …)".
         */
        String line(String unit, String outcome) {
            if (calls == 0) return "0.0 s (skipped: " + why + ")";
            return String.format(java.util.Locale.ROOT, "%.1f s (%s: %s)", seconds, describe(unit), why == null ? outcome : why);
        }
    }

    /**
     * How much warm-up the work pays for, and why. The warm-up does not make the JIT's work smaller: it
     * moves it before the timed work, and makes C2 compile from the full shapes; what it saves is the
     * time the work would spend in the interpreter and in C1's code (tens of times slower for the Vector
     * API) before its methods reach C2's thresholds. A run shorter than those thresholds never gets
     * there: a full warm-up (660 steps, then waiting until the JIT has compiled everything) cost 5.8 s
     * before the 5 s of `vae train --data sample` (160 steps), and 6.8 s before `vae eval -k 1 -n 1`'s
     * 0.03 s (Zen 3, 2 cores). So:
     * <ul>
     *   <li>training of at least {@link Warmup#calls()} steps: the full warm-up;</li>
     *   <li>a shorter one, of at least {@link #LIGHT} steps, or an evaluation of at least {@link #EVAL_ROWS_LIGHT}
     *       rows (images × samples, plus images × k for the bound) and fewer than {@link #EVAL_ROWS_MIN}:
     *       {@link #LIGHT} steps or evaluations, two of them full-size, without waiting for the JIT: enough
     *       for the long loops (the GEMM's micro-kernels) to be compiled from narrow ones before the first
     *       full-size one, which would otherwise run them interpreted;</li>
     *   <li>fewer steps (a resume that finishes an epoch), or fewer rows: none.</li>
     * </ul>
     * {@code -Delbo.warmup=off|full} forces none or the full one.
     */
    record Plan(int calls, boolean untilCompiled, String why) {
        /** Steps of the light warm-up. */
        static final int LIGHT = 2 * FULL_EVERY;
        /**
         * Rows from which an evaluation gets the full warm-up, and from which the light one: 10 000 test images
         * cold took 1.3–1.9 s on Zen 4, a full warm-up longer; on Zen 3 (busy) `vae eval -k 1 -n 1` took 5.0–5.2 s
         * of CPU with the light one, 5.4 without, 8.4 with the full one.
         */
        static final long EVAL_ROWS_MIN = 100_000, EVAL_ROWS_LIGHT = 2_000;

        static Plan forTraining(long steps, int calls) {
            String forced = System.getProperty("elbo.warmup", "");
            if (forced.equals("off")) return new Plan(0, false, "-Delbo.warmup=off");
            if (steps >= calls || forced.equals("full")) return new Plan(calls, true, null);
            if (steps < LIGHT) return new Plan(0, false, steps + " steps to run, too few to pay for it");
            return new Plan(LIGHT, false, steps + " steps to run, fewer than the " + calls + " calls after which C2 compiles a method:"
                    + " only the long loops compiled first");
        }

        static Plan forEvaluation(long rows, int calls) {
            String forced = System.getProperty("elbo.warmup", "");
            if (forced.equals("off")) return new Plan(0, false, "-Delbo.warmup=off");
            if (rows >= EVAL_ROWS_MIN || forced.equals("full")) return new Plan(calls, true, null);
            if (rows >= EVAL_ROWS_LIGHT) return new Plan(LIGHT, false, rows + " rows to evaluate, fewer than " + EVAL_ROWS_MIN
                    + ": only the long loops compiled first");
            return new Plan(0, false, rows + " rows to evaluate, too few to pay for it; the times below include the JIT's compiles");
        }
    }

    /**
     * Calls after which HotSpot compiles a method with C2 whatever its loops: Tier4MinInvocationThreshold
     * × CompileThresholdScaling, read from the running JVM, plus a tenth; 660 where it does not say.
     */
    static int calls() {
        try {
            var vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return calls(Double.parseDouble(vm.getVMOption("Tier4MinInvocationThreshold").getValue()),
                    Double.parseDouble(vm.getVMOption("CompileThresholdScaling").getValue()));
        } catch (RuntimeException | LinkageError e) { // not HotSpot
            return calls(600, 1);
        }
    }

    /** ⌈1.1 · threshold · scaling⌉ calls, at least 1 and at most 5000. */
    static int calls(double threshold, double scaling) {
        return (int) Math.max(1, Math.min(5000, Math.ceil(threshold * scaling * 1.1)));
    }

    /** Trains throwaway copies of the model on the first images until their kernels are compiled. */
    static Report training(RunConfig config, VAE.ElboOptions options, Dataset train, long runSteps) {
        Plan plan = Plan.forTraining(runSteps, calls());
        if (plan.calls() == 0) return new Report(0, 0, -1, plan.why());
        long t0 = System.nanoTime();
        // work this long pays for measuring the GEMM's parameters, where they are not cached: on a daemon
        // thread, during the warm-up (which compiles the candidates' kernels with the rest); adopted before the first step
        if (plan.untilCompiled()) io.elbo.autodiff.backend.Backend.measureKernelsInBackground();
        Main.doing("warming up the kernels");
        VAE.Config full = config.vaeConfig();
        VAE vae = new VAE(full, Streams.of(config.seed(), 7)), narrow = new VAE(narrowed(full), Streams.of(config.seed(), 7));
        Optimizer opt = TrainingRun.optimizer(config, vae), narrowOpt = TrainingRun.optimizer(config, narrow);
        var rng = Streams.of(config.seed(), 8);
        Tensor x = train.batch(0, Math.min(config.batchSize(), train.count()), config.dtype());
        Tensor few = train.batch(0, Math.min(NARROW_ROWS, train.count()), config.dtype());
        Dataset evalRows = train.head(Math.min(EVAL_ROWS, train.count())), fewRows = train.head(Math.min(NARROW_ROWS, train.count()));
        int steps = 0, rounds = -1;
        try {
            for (int n = plan.calls(); steps < n; steps++) {
                if ((steps + 1) % FULL_EVERY == 0) {
                    vae.trainStep(x, opt, rng, options, steps);
                    vae.meanElbo(evalRows, rng);
                } else {
                    narrow.trainStep(few, narrowOpt, rng, options, steps);
                    narrow.meanElbo(fewRows, rng);
                }
            }
            // a new model's first steps (its arena empty: every tensor allocated) as the run's will be:
            // code compiled only from warm models' profiles was deoptimised when the run began
            VAE fresh = new VAE(full, Streams.of(config.seed(), 9));
            Optimizer freshOpt = TrainingRun.optimizer(config, fresh);
            fresh.trainStep(x, freshOpt, rng, options, 0);
            fresh.meanElbo(evalRows, rng);
            fresh.trainStep(x, freshOpt, rng, options, 1);
            if (plan.untilCompiled()) rounds = untilCompiled(() -> {
                vae.trainStep(x, opt, rng, options, 0);
                vae.meanElbo(evalRows, rng);
            });
        } catch (VAE.DivergedException e) {
            // a learning rate that diverges does so here first: the run itself will say so, with its own numbers
        } finally {
            Tape.clear();
        }
        return new Report((System.nanoTime() - t0) * 1e-9, steps, rounds, plan.why());
    }

    /** Evaluates a model on the first images (what eval and an epoch's end run) until its kernels are compiled. */
    static Report evaluation(VAE vae, Dataset data, UniformRandomProvider rng, long runRows) {
        Plan plan = Plan.forEvaluation(runRows, calls());
        if (plan.calls() == 0) return new Report(0, 0, -1, plan.why());
        long t0 = System.nanoTime();
        Dataset rows = data.head(Math.min(EVAL_ROWS, data.count())), few = data.head(Math.min(NARROW_ROWS, data.count()));
        int runs = 0;
        for (int n = plan.calls(); runs < n; runs++) vae.meanElbo((runs + 1) % FULL_EVERY == 0 ? rows : few, rng);
        int rounds = plan.untilCompiled() ? untilCompiled(() -> vae.meanElbo(rows, rng)) : -1;
        return new Report((System.nanoTime() - t0) * 1e-9, runs, rounds, plan.why());
    }

    /** The same model with every hidden layer at most {@link #NARROW} wide. */
    private static VAE.Config narrowed(VAE.Config c) {
        int[] hidden = c.hidden().clone();
        for (int i = 0; i < hidden.length; i++) hidden[i] = Math.min(hidden[i], NARROW);
        return c.withHidden(hidden);
    }

    /**
     * The second part: waits for the JIT's queue to empty and runs {@code work} once more, until a run
     * leaves the queue empty having compiled nothing. Returns the runs, or -1 when the queue cannot be
     * read or the limits are reached first.
     */
    private static int untilCompiled(Runnable work) {
        CompileQueue jit = CompileQueue.open();
        long deadline = System.nanoTime() + (long) (MAX_WAIT_SECONDS * 1e9);
        for (int round = 1; jit != null && round <= MAX_ROUNDS && jit.awaitIdle(deadline); round++) {
            long compiled = compileMillis();
            work.run();
            if (jit.idle() && compileMillis() == compiled) return round;
        }
        return -1;
    }

    /** Milliseconds the JIT has spent compiling so far (0 where the JVM does not say). */
    private static long compileMillis() {
        var bean = ManagementFactory.getCompilationMXBean();
        return bean != null && bean.isCompilationTimeMonitoringSupported() ? bean.getTotalCompilationTime() : 0;
    }
}

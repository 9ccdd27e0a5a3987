package io.elbo.nn;

/**
 * A learning-rate schedule: the rate at epoch e (counting from 0) given the base rate, in the
 * closed forms of PyTorch's schedulers. {@link Scheduler} applies one to an optimiser.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate at epoch {@code epoch} (counting from 0) for the base rate {@code baseLr}. */
    double lr(double baseLr, int epoch);

    /** StepLR: base·γ^⌊e / stepSize⌋. */
    static LrSchedule step(int stepSize, double gamma) {
        if (stepSize <= 0) throw new IllegalArgumentException("step schedule: step size must be positive, got " + stepSize);
        return (base, e) -> base * Math.pow(gamma, e / stepSize);
    }

    /** ExponentialLR: base·γᵉ. */
    static LrSchedule exponential(double gamma) {
        return (base, e) -> base * Math.pow(gamma, e);
    }

    /** CosineAnnealingLR: η_min + (base − η_min)·(1 + cos(π·e / T_max)) / 2. */
    static LrSchedule cosine(int tMax, double etaMin) {
        if (tMax <= 0) throw new IllegalArgumentException("cosine schedule: T_max must be positive, got " + tMax);
        return (base, e) -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * e / tMax)) / 2;
    }

    /** LinearLR (linear warm-up): base·(s + (f − s)·min(e, n)/n), from factor s to factor f over n epochs. */
    static LrSchedule linear(double startFactor, double endFactor, int totalIters) {
        if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1) || totalIters <= 0) {
            throw new IllegalArgumentException("linear schedule: factors must lie in (0, 1] and [0, 1], iterations > 0");
        }
        return (base, e) -> base * (startFactor + (endFactor - startFactor) * Math.min(e, totalIters) / totalIters);
    }

    /** This schedule for the first {@code epochs} epochs, then {@code next} counted from 0 (PyTorch's SequentialLR). */
    default LrSchedule then(int epochs, LrSchedule next) {
        LrSchedule first = this;
        return (base, e) -> e < epochs ? first.lr(base, e) : next.lr(base, e - epochs);
    }
}

package io.elbo.nn;

/**
 * Applies an {@link LrSchedule} to an optimiser: call {@link #step()} once per epoch (or per
 * step, if the schedule counts steps) after the optimiser's step, as with PyTorch's schedulers.
 */
public final class Scheduler {
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final double baseLr;
    private int epoch;

    /** Applies {@code schedule} to {@code optimizer}, whose current rate becomes the base rate; sets the rate of epoch 0. */
    public Scheduler(Optimizer optimizer, LrSchedule schedule) {
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.baseLr = optimizer.lr();
        optimizer.setLr(schedule.lr(baseLr, 0));
    }

    /** Counts one more epoch and sets the optimiser's rate to the schedule's for it. */
    public void step() {
        epoch++;
        optimizer.setLr(schedule.lr(baseLr, epoch));
    }

    /** The epochs counted so far (by {@link #step()} or {@link #setEpoch}). */
    public int epoch() {
        return epoch;
    }

    /** Continues from a saved epoch count (checkpoints). */
    public void setEpoch(int value) {
        epoch = value;
        optimizer.setLr(schedule.lr(baseLr, epoch));
    }
}

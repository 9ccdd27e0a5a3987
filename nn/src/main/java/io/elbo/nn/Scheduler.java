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

    public Scheduler(Optimizer optimizer, LrSchedule schedule) {
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.baseLr = optimizer.lr();
        optimizer.setLr(schedule.lr(baseLr, 0));
    }

    public void step() {
        epoch++;
        optimizer.setLr(schedule.lr(baseLr, epoch));
    }

    public int epoch() {
        return epoch;
    }

    /** Continues from a saved epoch count (checkpoints). */
    public void setEpoch(int value) {
        epoch = value;
        optimizer.setLr(schedule.lr(baseLr, epoch));
    }
}

package io.elbo.nn;

import io.elbo.autodiff.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters in place from their gradients. Parameters whose gradient is null are
 * skipped, as in PyTorch. The state (moment buffers, step counts) can be saved in a checkpoint and
 * restored, so that training resumes exactly.
 */
public abstract class Optimizer {
    /** The parameters this optimiser updates; a parameter's index here names its state ("3.exp_avg"). */
    protected final List<Parameter> params;
    /** The learning rate of the next step. */
    protected double lr;

    /** An optimiser over {@code params} (at least one) with learning rate {@code lr} (finite, not negative). */
    protected Optimizer(List<Parameter> params, double lr) {
        if (params.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters");
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid learning rate " + lr);
        this.params = List.copyOf(params);
        this.lr = lr;
    }

    /** One update of every parameter that has a gradient (parameters without one are skipped, as in PyTorch). */
    public final void step() {
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p.grad() != null) update(i, p.value(), p.grad());
        }
    }

    /** Updates parameter {@code index} in place from its gradient. */
    protected abstract void update(int index, Tensor value, Tensor grad);

    /** Forgets the gradient of every parameter (the next backward pass starts from zero). */
    public final void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }

    /** The learning rate of the next step. */
    public final double lr() {
        return lr;
    }

    /** Sets the learning rate (schedules call this). */
    public final void setLr(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) throw new IllegalArgumentException("invalid learning rate " + value);
        lr = value;
    }

    /** The parameters this optimiser updates, in the order given (unmodifiable). */
    public final List<Parameter> parameters() {
        return params;
    }

    /** The name of the algorithm, stored in checkpoints ("sgd", "adam", "adamw"). */
    public abstract String kind();

    /** State tensors by name ("3.exp_avg": parameter index, then buffer), for checkpoints. */
    public abstract Map<String, Tensor> stateTensors();

    /** Scalar state and hyperparameters as strings, for checkpoints. */
    public abstract Map<String, String> stateMetadata();

    /**
     * Restores state saved by {@link #stateTensors()} and {@link #stateMetadata()}; the
     * tensors have been validated against {@link #expectedState(Map)} by the caller.
     */
    public abstract void loadState(Map<String, Tensor> tensors, Map<String, String> metadata);

    /** The shapes each saved state tensor must have, given the metadata (what a checkpoint may contain). */
    public abstract Map<String, int[]> expectedState(Map<String, String> metadata);
}

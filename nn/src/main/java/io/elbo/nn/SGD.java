package io.elbo.nn;

import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.InPlace;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with PyTorch's update (1.13, {@code torch.optim.SGD}):
 * <pre>
 *   d = g + λ·p                                   (weight decay λ)
 *   buf = d on the first step, else μ·buf + (1 − τ)·d   (momentum μ, dampening τ)
 *   d = d + μ·buf if Nesterov, else buf
 *   p ← p − lr·d
 * </pre>
 * The momentum buffer is stored flushed to zero below the dtype's smallest normal number, like {@link Adam}'s moments.
 */
public final class SGD extends Optimizer {
    private double momentum;
    private double dampening;
    private double weightDecay;
    private boolean nesterov;
    private final Tensor[] buffers;

    /** Plain SGD, p ← p − lr·g; momentum, dampening, weight decay and Nesterov are 0 (off) until set by the methods below. */
    public SGD(List<Parameter> params, double lr) {
        super(params, lr);
        buffers = new Tensor[this.params.size()];
    }

    /** Sets the momentum μ (not negative) and returns this optimiser. */
    public SGD momentum(double value) {
        if (!(value >= 0)) throw new IllegalArgumentException("SGD: invalid momentum " + value);
        momentum = value;
        return check();
    }

    /** Sets the dampening τ (0 with Nesterov) and returns this optimiser. */
    public SGD dampening(double value) {
        dampening = value;
        return check();
    }

    /** Sets the weight decay λ (not negative), d = g + λ·p, and returns this optimiser. */
    public SGD weightDecay(double value) {
        if (!(value >= 0)) throw new IllegalArgumentException("SGD: invalid weight decay " + value);
        weightDecay = value;
        return this;
    }

    /** Uses Nesterov momentum, d = d + μ·buf (needs a momentum and no dampening), or not, and returns this optimiser. */
    public SGD nesterov(boolean value) {
        nesterov = value;
        return check();
    }

    private SGD check() {
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum and zero dampening");
        }
        return this;
    }

    @Override
    protected void update(int i, Tensor v, Tensor g) {
        boolean first = buffers[i] == null;
        if (first && momentum != 0) buffers[i] = Tensor.zeros(v.dtype(), v.shape());
        // The update, in place: the formula in the class comment, its bodies in the backend (float64 reference, float32 twin).
        InPlace.sgd(v, g, buffers[i], lr, momentum, dampening, weightDecay, nesterov, first);
    }

    @Override public String kind() { return "sgd"; }

    @Override
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < buffers.length; i++) if (buffers[i] != null) out.put(i + ".momentum_buffer", buffers[i]);
        return out;
    }

    @Override
    public Map<String, String> stateMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("lr", Double.toString(lr));
        m.put("momentum", Double.toString(momentum));
        m.put("dampening", Double.toString(dampening));
        m.put("weight_decay", Double.toString(weightDecay));
        m.put("nesterov", Boolean.toString(nesterov));
        return m;
    }

    @Override
    public Map<String, int[]> expectedState(Map<String, String> metadata) {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) out.put(i + ".momentum_buffer", params.get(i).shape());
        return out;
    }

    @Override
    public void loadState(Map<String, Tensor> tensors, Map<String, String> metadata) {
        double newLr = Double.parseDouble(metadata.getOrDefault("lr", Double.toString(lr)));
        for (int i = 0; i < buffers.length; i++) {
            Tensor t = tensors.get(i + ".momentum_buffer");
            buffers[i] = t == null ? null : t.copy();
        }
        setLr(newLr);
    }
}

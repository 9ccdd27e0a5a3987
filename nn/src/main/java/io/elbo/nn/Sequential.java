package io.elbo.nn;

import io.elbo.autodiff.Tensor;
import java.util.List;

/** Modules applied in order; the i-th is registered under the name "i", as in PyTorch. */
public final class Sequential extends Module {
    private final List<Module> layers;

    /** The layers, applied in the list's order. */
    public Sequential(List<Module> layers) {
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) registerModule(Integer.toString(i), this.layers.get(i));
    }

    /** The layers, applied in the order given. */
    public Sequential(Module... layers) {
        this(List.of(layers));
    }

    /**
     * The layers in order. A {@link Linear} followed by a ReLU runs as one op, {@link Linear#forwardRelu}:
     * the same values and gradients, one pass fewer over the layer's output.
     */
    @Override
    public Tensor forward(Tensor x) {
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            if (m instanceof Linear linear && i + 1 < layers.size() && layers.get(i + 1) instanceof Activation a && a.isRelu()) {
                x = linear.forwardRelu(x);
                i++;
            } else {
                x = m.forward(x);
            }
        }
        return x;
    }

    /** The layers in order (unmodifiable). */
    public List<Module> layers() {
        return layers;
    }

    @Override
    public String toString() {
        return "Sequential" + layers;
    }
}

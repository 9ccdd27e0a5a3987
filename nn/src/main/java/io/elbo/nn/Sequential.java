package io.elbo.nn;

import io.elbo.autodiff.Tensor;
import java.util.List;

/** Modules applied in order; the i-th is registered under the name "i", as in PyTorch. */
public final class Sequential extends Module {
    private final List<Module> layers;

    public Sequential(List<Module> layers) {
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) registerModule(Integer.toString(i), this.layers.get(i));
    }

    public Sequential(Module... layers) {
        this(List.of(layers));
    }

    @Override
    public Tensor forward(Tensor x) {
        for (Module m : layers) x = m.forward(x);
        return x;
    }

    public List<Module> layers() {
        return layers;
    }

    @Override
    public String toString() {
        return "Sequential" + layers;
    }
}

package io.elbo.nn;

import io.elbo.autodiff.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Builds a multilayer perceptron: Linear layers between consecutive widths, the hidden
 * activation after each but the last, and an optional output activation.
 * {@code MLP.of(rng, DType.FLOAT32, 784, 400, 40).activation(Activation::relu).build()}.
 */
public final class MLP {
    private final UniformRandomProvider rng;
    private final DType dtype;
    private final int[] widths;
    private Supplier<Activation> activation = Activation::relu;
    private Supplier<Activation> outputActivation;

    private MLP(UniformRandomProvider rng, DType dtype, int[] widths) {
        if (widths.length < 2) throw new IllegalArgumentException("MLP: need at least an input and an output width");
        for (int w : widths) if (w <= 0) throw new IllegalArgumentException("MLP: widths must be positive, got " + java.util.Arrays.toString(widths));
        this.rng = rng;
        this.dtype = dtype;
        this.widths = widths.clone();
    }

    /** A builder for the network with these widths, input first and output last, initialised from {@code rng} in {@code dtype}. */
    public static MLP of(UniformRandomProvider rng, DType dtype, int... widths) {
        return new MLP(rng, dtype, widths);
    }

    /** The activation between layers (default ReLU). */
    public MLP activation(Supplier<Activation> a) {
        activation = a;
        return this;
    }

    /** An activation after the last layer (default none). */
    public MLP outputActivation(Supplier<Activation> a) {
        outputActivation = a;
        return this;
    }

    /** The network: a {@link Sequential} of {@link Linear} layers with the activations between them. */
    public Sequential build() {
        List<Module> layers = new ArrayList<>();
        for (int i = 0; i + 1 < widths.length; i++) {
            layers.add(new Linear(widths[i], widths[i + 1], rng, dtype));
            if (i + 2 < widths.length) layers.add(activation.get());
        }
        if (outputActivation != null) layers.add(outputActivation.get());
        return new Sequential(layers);
    }
}

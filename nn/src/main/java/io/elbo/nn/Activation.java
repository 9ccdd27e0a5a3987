package io.elbo.nn;

import io.elbo.autodiff.Tensor;
import java.util.function.UnaryOperator;

/** An elementwise activation as a module (no parameters): ReLU, Tanh, Sigmoid, Softplus. */
public final class Activation extends Module {
    private final String name;
    private final UnaryOperator<Tensor> f;

    private Activation(String name, UnaryOperator<Tensor> f) {
        this.name = name;
        this.f = f;
    }

    /** ReLU: max(x, 0); its derivative is 1 where x is positive and 0 elsewhere (relu'(0) = 0). */
    public static Activation relu() { return new Activation("ReLU", Tensor::relu); }

    /** Tanh: tanh(x); its derivative is 1 − tanh²(x). */
    public static Activation tanh() { return new Activation("Tanh", Tensor::tanh); }

    /** Sigmoid: σ(x) = 1/(1 + e⁻ˣ); its derivative is σ(x)·(1 − σ(x)). */
    public static Activation sigmoid() { return new Activation("Sigmoid", Tensor::sigmoid); }

    /** Softplus: log(1 + eˣ), computed without overflow; its derivative is σ(x). */
    public static Activation softplus() { return new Activation("Softplus", Tensor::softplus); }

    /** By name, case-insensitive: relu, tanh, sigmoid, softplus. */
    public static Activation named(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "relu" -> relu();
            case "tanh" -> tanh();
            case "sigmoid" -> sigmoid();
            case "softplus" -> softplus();
            default -> throw new IllegalArgumentException("unknown activation '" + name + "' (relu, tanh, sigmoid, softplus)");
        };
    }

    /** Whether this is ReLU (which {@link Sequential} fuses into the linear layer before it). */
    boolean isRelu() {
        return name.equals("ReLU");
    }

    @Override
    public Tensor forward(Tensor x) {
        return f.apply(x);
    }

    @Override
    public String toString() {
        return name;
    }
}

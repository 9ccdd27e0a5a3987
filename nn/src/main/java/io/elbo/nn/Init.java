package io.elbo.nn;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Weight initialisers, with PyTorch's definitions ({@code torch.nn.init}). For a weight of shape
 * [fan_out, fan_in] (a Linear layer's layout):
 * <ul>
 *   <li>Xavier (Glorot): uniform in ±gain·√(6/(fan_in + fan_out)), or normal with
 *       std = gain·√(2/(fan_in + fan_out));</li>
 *   <li>Kaiming (He), fan_in mode with leaky-ReLU slope a: gain = √(2/(1 + a²)), uniform in
 *       ±gain·√(3/fan_in), or normal with std = gain/√fan_in. With a = √5 the uniform bound is
 *       1/√fan_in: PyTorch's default for {@code nn.Linear}.</li>
 * </ul>
 */
public final class Init {
    private Init() {}

    static int[] fans(int[] shape) {
        if (shape.length < 2) throw new IllegalArgumentException("Init: fans need at least 2 dimensions, got " + java.util.Arrays.toString(shape));
        int receptive = 1;
        for (int i = 2; i < shape.length; i++) receptive *= shape[i];
        return new int[] {shape[1] * receptive, shape[0] * receptive};
    }

    /** Uniform in [−bound, bound]. */
    public static Tensor uniform(UniformRandomProvider rng, double bound, DType dtype, int... shape) {
        return Tensor.uniform(rng, -bound, bound, dtype, shape);
    }

    /** Xavier (Glorot) uniform: U(−b, b) with b = gain·√(6/(fan_in + fan_out)). */
    public static Tensor xavierUniform(UniformRandomProvider rng, double gain, DType dtype, int... shape) {
        int[] f = fans(shape);
        return uniform(rng, gain * Math.sqrt(6.0 / (f[0] + f[1])), dtype, shape);
    }

    /** Xavier (Glorot) normal: N(0, σ²) with σ = gain·√(2/(fan_in + fan_out)). */
    public static Tensor xavierNormal(UniformRandomProvider rng, double gain, DType dtype, int... shape) {
        int[] f = fans(shape);
        return Tensor.randn(rng, dtype, shape).mul(gain * Math.sqrt(2.0 / (f[0] + f[1]))).detach();
    }

    /** Kaiming uniform in fan_in mode with leaky-ReLU slope {@code a} (a = 0 for ReLU). */
    public static Tensor kaimingUniform(UniformRandomProvider rng, double a, DType dtype, int... shape) {
        double gain = Math.sqrt(2.0 / (1 + a * a));
        return uniform(rng, gain * Math.sqrt(3.0 / fans(shape)[0]), dtype, shape);
    }

    /** Kaiming normal in fan_in mode with leaky-ReLU slope {@code a}. */
    public static Tensor kaimingNormal(UniformRandomProvider rng, double a, DType dtype, int... shape) {
        double gain = Math.sqrt(2.0 / (1 + a * a));
        return Tensor.randn(rng, dtype, shape).mul(gain / Math.sqrt(fans(shape)[0])).detach();
    }
}

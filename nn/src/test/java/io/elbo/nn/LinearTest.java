package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Linear#forwardTransposed}: yᵀ = W·xᵀ + b is the transpose of the layer's output, x·Wᵀ + b, and sends W, b
 * and x the same gradients, in both dtypes and at sizes off the vector width.
 */
class LinearTest {
    @ParameterizedTest
    @EnumSource(DType.class)
    void theTransposedOutputIsTheOutputTransposedWithTheSameGradients(DType dtype) {
        int in = 19, out = 7, rows = 5;
        Linear layer = new Linear(in, out, RandomSource.XO_RO_SHI_RO_128_PP.create(3), dtype);
        Tensor x = Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(4), -1, 1, dtype, rows, in).variable();
        Tensor c = Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(5), -1, 1, dtype, out, rows);
        double tol = dtype == DType.FLOAT32 ? 1e-5 : 1e-13;

        Tensor yT = layer.forwardTransposed(x);
        yT.mul(c).sum().backward();
        double[] gx = x.grad().toDoubleArray(), gw = layer.weight().grad().toDoubleArray(), gb = layer.bias().grad().toDoubleArray();
        x.zeroGrad();
        layer.zeroGrad();
        Tensor y = layer.forward(x);
        assertArrayEquals(y.T().toDoubleArray(), yT.toDoubleArray(), tol);
        y.mul(c.T()).sum().backward();
        assertArrayEquals(x.grad().toDoubleArray(), gx, tol, "∂x");
        assertArrayEquals(layer.weight().grad().toDoubleArray(), gw, tol, "∂W");
        assertArrayEquals(layer.bias().grad().toDoubleArray(), gb, tol, "∂b");
    }
}

package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void matmulNamesTheOpAndBothShapesWhenInnerDimensionsDiffer() {
        Tensor a = Tensor.zeros(DType.FLOAT32, 3, 4), b = Tensor.zeros(DType.FLOAT32, 5, 2);
        ShapeException e = assertThrows(ShapeException.class, () -> a.matmul(b));
        assertEquals("matmul: [3, 4] x [5, 2]: inner dimensions 4 and 5 differ", e.getMessage());
    }

    @Test
    void elementwiseOpsNameTheOpAndBothShapesWhenTheyCannotBroadcast() {
        Tensor a = Tensor.zeros(DType.FLOAT64, 2, 3), b = Tensor.zeros(DType.FLOAT64, 4);
        ShapeException e = assertThrows(ShapeException.class, () -> a.mul(b));
        assertEquals("mul: [2, 3] and [4]: cannot broadcast (dimension 3 vs 4)", e.getMessage());
    }

    @Test
    void mixingDtypesIsAnErrorNamingBoth() {
        ShapeException e = assertThrows(ShapeException.class,
                () -> Tensor.zeros(DType.FLOAT32, 2).add(Tensor.zeros(DType.FLOAT64, 2)));
        assertTrue(e.getMessage().startsWith("add: float32 [2] and float64 [2]: dtypes differ"), e.getMessage());
    }

    @Test
    void otherShapeErrorsNameTheOp() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3);
        assertEquals("reshape: [2, 3] (6 elements) to [4] (4 elements)",
                assertThrows(ShapeException.class, () -> x.reshape(4)).getMessage());
        assertEquals("sum: axis 2 out of range for rank 2",
                assertThrows(ShapeException.class, () -> x.sum(false, 2)).getMessage());
        assertEquals("slice: [1, 5) out of range for axis 1 of size 3 in [2, 3]",
                assertThrows(ShapeException.class, () -> x.slice(1, 1, 5)).getMessage());
        assertEquals("expand: [2, 3] cannot be broadcast to [3, 3]",
                assertThrows(ShapeException.class, () -> x.expand(3, 3)).getMessage());
        assertEquals("concat: [2, 3] and [3, 3] differ outside axis 1",
                assertThrows(ShapeException.class, () -> Ops.concat(1, x, Tensor.zeros(DType.FLOAT64, 3, 3))).getMessage());
        assertEquals("matmul: [3] x [2, 2]: inner dimensions 3 and 2 differ",
                assertThrows(ShapeException.class, () -> Tensor.zeros(DType.FLOAT64, 3).matmul(Tensor.zeros(DType.FLOAT64, 2, 2))).getMessage());
        assertEquals("matmul: [] x [3]: a 0-dimensional operand has no matrix product (use mul)",
                assertThrows(ShapeException.class, () -> Tensor.scalar(1).matmul(Tensor.zeros(DType.FLOAT64, 3))).getMessage());
        assertEquals("matmul: [3] x [3, 2]: both operands need at least 2 dimensions",
                assertThrows(ShapeException.class, () -> Ops.matmul(Tensor.zeros(DType.FLOAT64, 3), Tensor.zeros(DType.FLOAT64, 3, 2), true, false)).getMessage());
        assertEquals("stack: [2, 3] and [3, 3] differ: stacked tensors need one shape",
                assertThrows(ShapeException.class, () -> Ops.stack(0, x, Tensor.zeros(DType.FLOAT64, 3, 3))).getMessage());
        assertEquals("gather: index value 3.0 is not a position on axis 1 of size 3",
                assertThrows(ShapeException.class, () -> x.gather(1, Tensor.of(new double[] {0, 3}, 2, 1))).getMessage());
        assertEquals("gather: index value 0.5 is not a position on axis 1 of size 3",
                assertThrows(ShapeException.class, () -> x.gather(1, Tensor.of(new double[] {0, 0.5}, 2, 1))).getMessage());
        assertEquals("indexSelect: index -1 out of range for axis 0 of size 2",
                assertThrows(ShapeException.class, () -> x.indexSelect(0, 1, -1)).getMessage());
        assertEquals("of: 5 values do not fill shape [2, 3] (6 elements)",
                assertThrows(ShapeException.class, () -> Tensor.of(new double[5], 2, 3)).getMessage());
    }

    @Test
    void toStringShowsValuesShapeAndDtype() {
        assertEquals("tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32)",
                Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).toString());
        assertEquals("tensor(0.5000, shape=[], dtype=float64)", Tensor.scalar(0.5).toString());
        assertEquals("tensor([1.0000e-05, 2.0000e+00], shape=[2], dtype=float64)", Tensor.of(new double[] {1e-5, 2}).toString());
        assertEquals("tensor([nan, -inf, 1.], shape=[3], dtype=float64)",
                Tensor.of(new double[] {Double.NaN, Double.NEGATIVE_INFINITY, 1}).toString());
        Tensor x = Tensor.scalar(2.0).variable();
        assertEquals("tensor(2., shape=[], dtype=float64, requiresGrad)", x.toString());
        assertEquals("tensor(4., shape=[], dtype=float64, op=mul)", x.mul(x).toString());
        Tape.clear();
    }

    @Test
    void toStringTruncatesLargeTensors() {
        String s = Tensor.arange(3000, DType.FLOAT64).reshape(3, 1000).toString();
        assertEquals("tensor([[0., 1., 2., ..., 997., 998., 999.],\n"
                + "        [1000., 1001., 1002., ..., 1997., 1998., 1999.],\n"
                + "        [2000., 2001., 2002., ..., 2997., 2998., 2999.]], shape=[3, 1000], dtype=float64)", s);
        assertTrue(Tensor.zeros(DType.FLOAT32, 50, 50).toString().contains("..."));
    }

    @Test
    void creation() {
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5}, Tensor.arange(0, 2, 0.5, DType.FLOAT64).toDoubleArray());
        assertArrayEquals(new double[] {3, 3, 3}, Tensor.full(3, DType.FLOAT32, 3).toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, Tensor.ones(DType.FLOAT64, 2).toDoubleArray());
        assertArrayEquals(new int[] {}, Tensor.scalar(1.0).shape());
        assertArrayEquals(new int[] {}, Tensor.of(new double[] {7}, new int[0]).shape(), "a shape is taken as given: [] is 0-d");
        assertEquals(7.0, Tensor.of(new double[] {7}, new int[0]).item());
        assertArrayEquals(new int[] {3}, Tensor.of(1, 2, 3).shape(), "values alone make a vector");
        assertEquals(DType.FLOAT64, Tensor.of(1, 2, 3).dtype(), "int literals make float64, not float32");
        assertArrayEquals(new int[] {1}, Tensor.of(new double[] {7}).shape());
        assertArrayEquals(new int[] {2, 1}, Tensor.of(new double[] {7, 8}, 2, 1).shape());
        assertEquals(DType.FLOAT32, Tensor.of(new float[] {1, 2}).dtype());
        assertArrayEquals(new int[] {2}, Tensor.of(new float[] {1, 2}).shape());
        assertArrayEquals(new double[] {1, 2, 3, 4}, Tensor.of(new double[][] {{1, 2}, {3, 4}}).toDoubleArray());
        assertEquals(4.0, Tensor.of(new double[][] {{1, 2}, {3, 4}}).get(1, 1));
    }

    @Test
    void randomTensorsAreReproducibleFromTheSeedAndHaveTheRightMoments() {
        Tensor a = Tensor.randn(RandomSource.XO_RO_SHI_RO_128_PP.create(5L), DType.FLOAT64, 100_000);
        Tensor b = Tensor.randn(RandomSource.XO_RO_SHI_RO_128_PP.create(5L), DType.FLOAT64, 100_000);
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        assertEquals(0, a.mean().item(), 0.02); // 5 standard errors of 1/√1e5
        assertEquals(1, a.square().mean().item(), 0.03);
        Tensor u = Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(5L), -2, 4, DType.FLOAT32, 100_000);
        assertEquals(1, u.mean().item(), 0.03);
        double min = -u.neg().max(false).item(), max = u.max(false).item();
        assertTrue(min >= -2 && min < -1.99 && max < 4 && max > 3.99, "uniform range [" + min + ", " + max + "]");
    }

    @Test
    void castAndReshapeKeepValuesAndGradients() {
        Tensor x = Tensor.of(new double[] {1.5, -2.25}).variable();
        Tensor y = x.to(DType.FLOAT32);
        assertEquals(DType.FLOAT32, y.dtype());
        y.mul(y).sum().to(DType.FLOAT64).backward();
        assertArrayEquals(new double[] {3, -4.5}, x.grad().toDoubleArray());
    }

    @Test
    void theApiReadsLikeTheMath() {
        Tensor x = Tensor.of(-1.0, 0.0, 2.0);
        assertArrayEquals(new double[] {0, 0, 1}, x.gt(0).toDoubleArray());
        assertArrayEquals(new double[] {0, 1, 1}, x.ge(0).toDoubleArray());
        assertArrayEquals(new double[] {1, 0, 0}, x.lt(Tensor.of(0.0, 0.0, 0.0)).toDoubleArray());
        assertArrayEquals(new double[] {1, 1, 0}, x.le(0).toDoubleArray());
        assertArrayEquals(new double[] {0, 1, 0}, x.eq(0).toDoubleArray());
        assertArrayEquals(new double[] {-1, 0, 0}, x.where(x.lt(0), 0).toDoubleArray(), "x where x < 0, else 0");
        assertArrayEquals(new double[] {2, 1, -1}, x.rsub(1).toDoubleArray(), "1 − x");
        assertArrayEquals(new double[] {-2, Double.POSITIVE_INFINITY, 1}, x.rdiv(2).toDoubleArray(), "2 / x");
        assertArrayEquals(new double[] {-2, 0, 4}, Ops.mul(2, x).toDoubleArray(), "2·x, the scalar on the left");
        assertArrayEquals(new double[] {0, 1, 3}, Ops.add(1, x).toDoubleArray());
        assertArrayEquals(new double[] {1, 0, -2}, Ops.sub(0, x).toDoubleArray());
        Tensor m = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new int[] {3, 2}, m.T().shape());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, m.T().toDoubleArray());
        assertArrayEquals(new int[] {4, 3, 2}, Tensor.zeros(DType.FLOAT64, 2, 3, 4).T().shape(), "all axes reversed");
        // one convention for every reduction: (axes...) removes them, (keepDims, axes...) may keep them, () is all
        assertArrayEquals(new double[] {6, 15}, m.sum(1).toDoubleArray());
        assertArrayEquals(new int[] {2, 1}, m.sum(true, 1).shape());
        assertArrayEquals(new double[] {2.5, 3.5, 4.5}, m.mean(0).toDoubleArray());
        assertArrayEquals(new double[] {3, 6}, m.max(1).toDoubleArray());
        assertEquals(6.0, m.max().item());
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4) + Math.exp(5) + Math.exp(6));
        assertEquals(lse, m.logSumExp().item(), 1e-12);
        assertEquals(lse, m.logSumExp(0, 1).item(), 1e-12, "several axes at once");
        assertArrayEquals(new int[] {1, 1}, m.logSumExp(true, 0, 1).shape());
        assertArrayEquals(new int[] {2}, m.logSumExp(1).shape());
    }

    /** The new ops' values on small cases worked by hand. */
    @Test
    void softmaxStackGatherIndexSelectAndVectorMatmulByHand() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        double e = Math.E, z = 1 + e + e * e;
        assertArrayEquals(new double[] {1 / z, e / z, e * e / z, 1 / z, e / z, e * e / z}, x.softmax(1).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {-Math.log(z), 1 - Math.log(z), 2 - Math.log(z)}, x.logSoftmax(-1).slice(0, 0, 1).reshape(3).toDoubleArray(), 1e-15);
        double a = 1 / (1 + Math.exp(3)), b = 1 - a;
        assertArrayEquals(new double[] {a, a, a, b, b, b}, x.softmax(0).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {0, 1}, Tensor.of(-800.0, 800.0).softmax(0).toDoubleArray(), "no overflow");
        Tensor s = Ops.stack(1, Tensor.of(1.0, 2.0), Tensor.of(3.0, 4.0), Tensor.of(5.0, 6.0));
        assertArrayEquals(new int[] {2, 3}, s.shape());
        assertArrayEquals(new double[] {1, 3, 5, 2, 4, 6}, s.toDoubleArray());
        assertArrayEquals(new int[] {3, 2}, Ops.stack(-2, Tensor.of(1.0, 2.0), Tensor.of(3.0, 4.0), Tensor.of(5.0, 6.0)).shape());
        assertArrayEquals(new double[] {3, 1, 1}, x.gather(1, Tensor.of(new double[] {2, 0, 0}, 1, 3)).toDoubleArray());
        assertArrayEquals(new double[] {2, 4}, x.gather(1, Tensor.of(new double[] {1, 0}, 2, 1)).toDoubleArray());
        assertArrayEquals(new double[] {3, 1, 3, 6, 4, 6}, x.indexSelect(1, 2, 0, 2).toDoubleArray());
        assertArrayEquals(new double[] {4, 5, 6, 4, 5, 6}, x.indexSelect(0, 1, 1).toDoubleArray());
        Tensor v = Tensor.of(1.0, -1.0, 2.0);
        assertEquals(0, v.matmul(v).rank(), "vector·vector is a 0-dimensional dot product");
        assertEquals(6.0, v.matmul(v).item());
        assertArrayEquals(new double[] {1 - 2 + 6, 4 - 5 + 12}, x.matmul(v).toDoubleArray(), "matrix·vector");
        assertArrayEquals(new double[] {1 - 4, 2 - 5, 3 - 6}, Tensor.of(1.0, -1.0).matmul(x).toDoubleArray(), "vector·matrix");
        Tensor batch = Ops.stack(0, x, x.neg());
        assertArrayEquals(new int[] {2, 2}, batch.matmul(v).shape(), "batched matrix·vector");
        assertArrayEquals(new int[] {2, 3}, Tensor.of(1.0, -1.0).matmul(batch).shape(), "vector·batched matrix");
        // gather's gradient sums where an index repeats: d/dx Σ gather(x, [[2, 2, 0]]) puts 2 at x[0, 2], 1 at x[0, 0]
        Tensor w = x.copy().variable();
        w.gather(1, Tensor.of(new double[] {2, 2, 0}, 1, 3)).sum().backward();
        assertArrayEquals(new double[] {1, 0, 2, 0, 0, 0}, w.grad().toDoubleArray());
    }

    @Test
    void greyLevelsAreABatchOfImagesInEitherDtypeAndRowsPastTheBytesAreRefused() {
        byte[] levels = {0, 51, (byte) 255, 102, (byte) 128, 1};
        Tensor f32 = Tensor.greyLevels(levels, new int[] {3, 0}, 3, DType.FLOAT32);
        assertArrayEquals(new int[] {2, 3}, f32.shape());
        assertArrayEquals(new float[] {102 / 255f, 128 / 255f, 1 / 255f, 0f, 51 / 255f, 1f}, f32.toFloatArray());
        Tensor f64 = Tensor.greyLevels(levels, new int[] {3, 0}, 3, DType.FLOAT64);
        for (int i = 0; i < 6; i++) assertEquals((double) f32.toFloatArray()[i], f64.values()[i], 0.0);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.greyLevels(levels, new int[] {4}, 3, DType.FLOAT32));
        assertEquals("greyLevels: a row of 3 levels at 4 runs past the 6 given", e.getMessage());
    }
}

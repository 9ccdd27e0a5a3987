package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The convolutions' shapes, their rules written as the ops themselves, and the one-line refusals of bad operands. */
class ConvTest {
    static Tensor random(long seed, int... shape) {
        return ConvProperties.random(new Random(seed), shape);
    }

    @Test
    void outputShapesFollowPyTorchsFormulas() {
        Tensor x = random(1, 2, 3, 28, 28);
        assertArrayEquals(new int[] {2, 4, 14, 14}, x.conv2d(random(2, 4, 3, 3, 3), random(3, 4), 2, 1).shape());
        assertArrayEquals(new int[] {2, 4, 26, 26}, x.conv2d(random(2, 4, 3, 3, 3), null, 1, 0).shape());
        assertArrayEquals(new int[] {2, 4, 28, 26}, x.conv2d(random(2, 4, 3, 1, 3), null, 1, 0).shape());
        Tensor y = random(4, 2, 3, 7, 7);
        assertArrayEquals(new int[] {2, 5, 14, 14}, y.convTranspose2d(random(5, 3, 5, 3, 3), random(6, 5), 2, 1, 1).shape());
        assertArrayEquals(new int[] {2, 5, 13, 13}, y.convTranspose2d(random(5, 3, 5, 3, 3), null, 2, 1, 0).shape());
        assertArrayEquals(new int[] {2, 5, 7, 7}, y.convTranspose2d(random(5, 3, 5, 3, 3), null, 1, 1, 0).shape());
    }

    /** The recorded gradients are, bit for bit, the ops the Javadoc names: the input gradient a transposed convolution of g, and so on. */
    @Test
    void theGradientsAreTheConvolutionsTheRulesName() {
        Tensor x = random(7, 2, 3, 9, 8).variable(), w = random(8, 4, 3, 3, 2).variable(), b = random(9, 4).variable();
        Tensor out = x.conv2d(w, b, 2, 1);
        Tensor g = random(10, out.shape());
        out.backward(Tape.options().seed(g));
        int op = 9 - ((out.dim(2) - 1) * 2 - 2 + 3); // the output padding that maps 5 rows back onto 9
        assertArrayEquals(g.convTranspose2d(w.detach(), null, 2, 1, op).slice(3, 0, 8).toDoubleArray(), x.grad().toDoubleArray());
        assertArrayEquals(Ops.conv2dWeight(x.detach(), g, 3, 2, 2, 1).toDoubleArray(), w.grad().toDoubleArray());
        assertArrayEquals(g.sum(false, 0, 2, 3).toDoubleArray(), b.grad().toDoubleArray());

        Tensor u = random(11, 2, 4, 5, 4).variable(), v = random(12, 4, 3, 3, 3).variable();
        Tensor up = u.convTranspose2d(v, null, 2, 1, 1);
        Tensor h = random(13, up.shape());
        up.backward(Tape.options().seed(h));
        assertArrayEquals(h.conv2d(v.detach(), null, 2, 1).toDoubleArray(), u.grad().toDoubleArray());
        assertArrayEquals(Ops.conv2dWeight(h, u.detach(), 3, 3, 2, 1).toDoubleArray(), v.grad().toDoubleArray());
    }

    @Test
    void aConvolutionOfOnesSumsThePatchesAndPaddingReadsZeros() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor ones = Tensor.of(new double[] {1, 1, 1, 1}, 1, 1, 2, 2);
        assertArrayEquals(new double[] {12, 16, 24, 28}, x.conv2d(ones, null, 1, 0).toDoubleArray());
        assertArrayEquals(new double[] {1, 5, 11, 28}, x.conv2d(ones, null, 2, 1).toDoubleArray());
        assertArrayEquals(new double[] {1.5, 2.5, 4.5, 5.5}, x.slice(2, 0, 2).slice(3, 0, 2)
                .convTranspose2d(Tensor.of(new double[] {1}, 1, 1, 1, 1), Tensor.of(0.5), 1, 0, 0).toDoubleArray());
    }

    static void refused(String expected, Supplier<Tensor> op) {
        ShapeException e = assertThrows(ShapeException.class, op::get);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void badShapesAreRefusedInOneLineNamingTheOpAndTheShapes() {
        Tensor x = random(1, 2, 3, 5, 5), w = random(2, 4, 3, 3, 3);
        refused("conv2d: input [3, 5, 5], weight [4, 3, 3, 3]: need input [N, C, H, W], weight [O, C, kh, kw], bias [O]",
                () -> random(1, 3, 5, 5).conv2d(w, null, 1, 0));
        refused("conv2d: input [2, 3, 5, 5], weight [4, 2, 3, 3]: the input has 3 channels, the weight 2 (need input [N, C, H, W], "
                + "weight [O, C, kh, kw], bias [O])", () -> x.conv2d(random(3, 4, 2, 3, 3), null, 1, 0));
        refused("conv2d: input [2, 3, 5, 5], weight [4, 3, 3, 3], bias [3]: the bias has 3 entries for 4 output channels",
                () -> x.conv2d(w, random(4, 3), 1, 0));
        refused("conv2d: input [2, 3, 5, 5], weight [4, 3, 7, 3], stride 1, padding 0: the kernel 7×3 is larger than the padded input 5×5",
                () -> x.conv2d(random(5, 4, 3, 7, 3), null, 1, 0));
        refused("conv2d: input [2, 3, 5, 5], weight [4, 3, 3, 3], stride 1, padding -1: the padding must not be negative",
                () -> x.conv2d(w, null, 1, -1));
        refused("conv2d: input [2, 3, 5, 5], weight [4, 3, 3, 3], stride 0, padding 0: the stride must be at least 1",
                () -> x.conv2d(w, null, 0, 0));
        refused("conv2d: input [2, 3, 5, 5], weight [4, 3, 0, 3]: the kernel is empty", () -> x.conv2d(Tensor.zeros(DType.FLOAT64, 4, 3, 0, 3), null, 1, 0));
        refused("conv2d: float64 [2, 3, 5, 5] and float32 [4, 3, 3, 3]: dtypes differ (convert one with to(dtype))",
                () -> x.conv2d(w.to(DType.FLOAT32), null, 1, 0));

        Tensor y = random(6, 2, 4, 3, 3);
        refused("convTranspose2d: input [2, 4, 3, 3], weight [3, 4, 3, 3]: the input has 4 channels, the weight 3 (need input [N, C, H, W], "
                + "weight [C, O, kh, kw], bias [O])", () -> y.convTranspose2d(random(7, 3, 4, 3, 3), null, 1, 0, 0));
        refused("convTranspose2d: input [2, 4, 3, 3], weight [4, 3, 3, 3], bias [4]: the bias has 4 entries for 3 output channels",
                () -> y.convTranspose2d(random(7, 4, 3, 3, 3), random(8, 4), 1, 0, 0));
        refused("convTranspose2d: input [2, 4, 3, 3], weight [4, 3, 3, 3], stride 2, padding 1: output padding 2 must be at least 0 and less than the stride",
                () -> y.convTranspose2d(random(7, 4, 3, 3, 3), null, 2, 1, 2));
        refused("convTranspose2d: input [2, 4, 3, 3], weight [4, 3, 3, 3], stride 1, padding 1: output padding 1 must be at least 0 and less than the stride",
                () -> y.convTranspose2d(random(7, 4, 3, 3, 3), null, 1, 1, 1));
        refused("convTranspose2d: input [2, 4, 3, 3], weight [4, 3, 3, 1], stride 1, padding 2: the output would be 1×-1 (the padding is larger than the input allows)",
                () -> y.convTranspose2d(random(7, 4, 3, 3, 1), null, 1, 2, 0));
        refused("convTranspose2d: input [2, 4, 3, 3], weight [4, 3, 3, 3], stride 1, padding -1: the padding must not be negative",
                () -> y.convTranspose2d(random(7, 4, 3, 3, 3), null, 1, -1, 0));

        refused("conv2dWeight: input [2, 3, 5, 5], output gradient [2, 4, 4, 3], kernel 3×3, stride 1, padding 0: the convolution's output is 3×3, not 4×3",
                () -> Ops.conv2dWeight(x, random(9, 2, 4, 4, 3), 3, 3, 1, 0));
        refused("conv2dWeight: input [2, 3, 5, 5], output gradient [1, 4, 3, 3], kernel 3×3: need input [N, C, H, W] and output gradient [N, O, OH, OW]",
                () -> Ops.conv2dWeight(x, random(9, 1, 4, 3, 3), 3, 3, 1, 0));
    }
}

package io.elbo.autodiff.backend;

/**
 * The geometry of one 2-D convolution, in the terms of the convolution itself (PyTorch's NCHW layout):
 * an input of {@code batch × channels × height × width}, a weight of {@code outChannels × channels ×
 * kernelH × kernelW}, a square {@code stride} and zero {@code padding} on every side, and an output of
 * {@code batch × outChannels × outHeight × outWidth}, where output pixel (y, x) reads input pixel
 * (y·stride − padding + i, x·stride − padding + j) for every kernel offset (i, j).
 *
 * <p>The transposed convolution and the weight correlation are described by the same geometry: the
 * transpose maps the output side back to the input side, so a {@code convTranspose2d} with input
 * [N, O, OH, OW] and weight [O, C, kh, kw] (PyTorch's [in, out, kh, kw]) has this geometry with its
 * output as the convolution's input.
 *
 * @param batch       N, the images
 * @param channels    C, the channels of the convolution's input
 * @param height      H of the convolution's input
 * @param width       W of the convolution's input
 * @param outChannels O, the channels of the convolution's output
 * @param kernelH     kh, the kernel's rows
 * @param kernelW     kw, the kernel's columns
 * @param stride      s ≥ 1, the step between output pixels, in input pixels
 * @param padding     p ≥ 0, the zeros around the input on every side
 * @param outHeight   OH, with (OH − 1)·s + kh ≤ H + 2p
 * @param outWidth    OW, with (OW − 1)·s + kw ≤ W + 2p
 */
public record ConvGeometry(int batch, int channels, int height, int width, int outChannels, int kernelH, int kernelW,
                           int stride, int padding, int outHeight, int outWidth) {
    /** The geometry of a convolution whose output size follows from the rest: OH = ⌊(H + 2p − kh)/s⌋ + 1. */
    public static ConvGeometry of(int batch, int channels, int height, int width, int outChannels, int kernelH, int kernelW,
                                  int stride, int padding) {
        return new ConvGeometry(batch, channels, height, width, outChannels, kernelH, kernelW, stride, padding,
                (height + 2 * padding - kernelH) / stride + 1, (width + 2 * padding - kernelW) / stride + 1);
    }

    /** Checks the sizes against each other (the ops check them first, with messages naming the shapes). */
    public ConvGeometry {
        if (stride < 1 || padding < 0 || kernelH < 1 || kernelW < 1 || outHeight < 1 || outWidth < 1
                || (outHeight - 1) * stride + kernelH > height + 2 * padding || (outWidth - 1) * stride + kernelW > width + 2 * padding
                || batch < 0 || channels < 0 || outChannels < 0 || height < 0 || width < 0) {
            throw new IllegalArgumentException("inconsistent convolution geometry: batch " + batch + ", channels " + channels + " → "
                    + outChannels + ", input " + height + "×" + width + ", kernel " + kernelH + "×" + kernelW + ", stride " + stride
                    + ", padding " + padding + ", output " + outHeight + "×" + outWidth);
        }
    }

    /** K = C·kh·kw, the length of one output pixel's dot product (a row of the weight, a column of im2col). */
    public int patch() {
        return channels * kernelH * kernelW;
    }

    /** H·W, the pixels of one input channel. */
    public int inPixels() {
        return height * width;
    }

    /** OH·OW, the pixels of one output channel. */
    public int outPixels() {
        return outHeight * outWidth;
    }

    /**
     * The first output column v whose input column v·s − p + j, for kernel column j, is inside the image: the
     * smallest v ≥ 0 with v·s ≥ p − j, at most OW. im2col and col2im read or write only columns
     * [{@link #firstColumn}, {@link #endColumn}); the others are padding.
     */
    int firstColumn(int j) {
        int a = padding - j;
        return Math.min(outWidth, a <= 0 ? 0 : (a + stride - 1) / stride);
    }

    /** One past the last output column v &lt; OW whose input column v·s − p + j is inside the image, at least {@link #firstColumn}. */
    int endColumn(int j) {
        int b = width - 1 + padding - j, v0 = firstColumn(j);
        return b < 0 ? v0 : Math.max(v0, Math.min(outWidth, b / stride + 1));
    }

    /** The multiply-adds of one convolution (forward, or either gradient): N·O·OH·OW·C·kh·kw. */
    public long multiplyAdds() {
        return (long) batch * outChannels * outPixels() * patch();
    }
}

package io.elbo.vae.data;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Images and labels from a pair of IDX files: N images of rows × cols grey bytes, pixels scaled to
 * [0, 1] (value / 255, as the PyTorch VAE example).
 */
public record Dataset(float[] pixels, int[] labels, int count, int rows, int cols) {
    /** rows·cols, the pixels of one image. */
    public int dim() {
        return rows * cols;
    }

    /** Reads an image file (N × rows × cols) and its label file (N, or null for none), checking they agree. */
    public static Dataset load(Path images, Path labels) throws IdxException {
        Idx.Array im = Idx.read(images, imageDims(images.toString()));
        return of(im, labels == null ? null : Idx.read(labels, labelDims(String.valueOf(labels), im)));
    }

    /** The same from two streams (resources on the class path, say); the names are for messages. */
    public static Dataset load(InputStream images, String imagesName, InputStream labels, String labelsName) throws IdxException {
        Idx.Array im = Idx.read(images, imagesName, imageDims(imagesName));
        return of(im, labels == null ? null : Idx.read(labels, labelsName, labelDims(labelsName, im)));
    }

    /** An image file has 3 dimensions: N × rows × cols. */
    private static Idx.DimsCheck imageDims(String name) {
        return dims -> {
            if (dims.length != 3) throw new IdxException(name + ": an image file has 3 dimensions, this one " + Arrays.toString(dims));
        };
    }

    /** A label file has one label per image; checked before its data is read. */
    private static Idx.DimsCheck labelDims(String name, Idx.Array images) {
        return dims -> {
            if (dims.length != 1 || dims[0] != images.dims()[0]) {
                throw new IdxException(name + ": " + Arrays.toString(dims) + " labels for " + images.dims()[0] + " images");
            }
        };
    }

    /** The images and labels of arrays whose dimensions the readers already checked ({@link #imageDims}, {@link #labelDims}). */
    private static Dataset of(Idx.Array im, Idx.Array lb) {
        int[] lab = null;
        if (lb != null) {
            lab = new int[lb.dims()[0]];
            for (int i = 0; i < lab.length; i++) lab[i] = lb.data()[i] & 0xff;
        }
        float[] px = new float[im.data().length];
        for (int i = 0; i < px.length; i++) px[i] = (im.data()[i] & 0xff) / 255f;
        return new Dataset(px, lab, im.dims()[0], im.dims()[1], im.dims()[2]);
    }

    /** The first n images (all of them when n ≥ count). */
    public Dataset head(int n) {
        if (n >= count) return this;
        if (n < 1) throw new IllegalArgumentException("Dataset.head: n must be positive, got " + n);
        return new Dataset(Arrays.copyOf(pixels, n * dim()), labels == null ? null : Arrays.copyOf(labels, n), n, rows, cols);
    }

    /** The same images with other pixel values (same count and size): for preprocessing. */
    public Dataset withPixels(float[] newPixels) {
        if (newPixels.length != pixels.length) throw new IllegalArgumentException("Dataset.withPixels: " + newPixels.length + " values for " + pixels.length);
        return new Dataset(newPixels, labels, count, rows, cols);
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive) as a [to − from, rows·cols] tensor. */
    public Tensor batch(int from, int to, DType dtype) {
        return rows(java.util.stream.IntStream.range(from, to).toArray(), dtype);
    }

    /** The given rows, in order, as a [n, rows·cols] tensor. */
    public Tensor rows(int[] index, DType dtype) {
        int d = dim();
        if (dtype == DType.FLOAT32) {
            float[] out = new float[index.length * d];
            for (int i = 0; i < index.length; i++) System.arraycopy(pixels, index[i] * d, out, i * d, d);
            return Tensor.of(out, index.length, d);
        }
        double[] out = new double[index.length * d];
        for (int i = 0; i < index.length; i++) for (int j = 0; j < d; j++) out[i * d + j] = pixels[index[i] * d + j];
        return Tensor.of(out, index.length, d);
    }
}

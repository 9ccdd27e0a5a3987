package io.elbo.vae.data;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Images and labels from a pair of IDX files: N images of rows × cols grey bytes, pixels scaled to
 * [0, 1] (value / 255, as the PyTorch VAE example).
 *
 * <p>Pixels that are all grey levels k/255 (an IDX file's, or binarised ones) are kept as one byte each, a
 * quarter of the memory of floats (Fashion-MNIST's 60 000 training images: 47 MB rather than 188 MB), and
 * widened to k/255f, the same float, as rows are read; any other values are kept as given.
 */
public final class Dataset {
    /** k/255f for every grey level k: the float a level stands for. */
    private static final float[] LEVEL = new float[256];

    static {
        for (int k = 0; k < 256; k++) LEVEL[k] = k / 255f;
    }

    /** The pixels as grey levels (value = level/255), or null when they are kept as floats. */
    private final byte[] levels;
    /** The pixels as floats, or null when they are kept as levels. */
    private final float[] values;
    private final int[] labels;
    private final int count, rows, cols;

    /** count images of rows × cols pixels (row-major, image after image) and their labels (null for none). */
    public Dataset(float[] pixels, int[] labels, int count, int rows, int cols) {
        this(null, pixels, labels, count, rows, cols);
    }

    private Dataset(byte[] levels, float[] values, int[] labels, int count, int rows, int cols) {
        int n = levels != null ? levels.length : values.length;
        if ((long) count * rows * cols != n) {
            throw new IllegalArgumentException("Dataset: " + n + " pixels for " + count + " images of " + rows + " × " + cols);
        }
        if (labels != null && labels.length != count) throw new IllegalArgumentException("Dataset: " + labels.length + " labels for " + count + " images");
        this.levels = levels;
        this.values = values;
        this.labels = labels;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
    }

    /** The same images kept as bytes where every pixel is a grey level k/255f, else as given. */
    private static Dataset compact(float[] pixels, int[] labels, int count, int rows, int cols) {
        byte[] b = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            int k = Math.round(pixels[i] * 255f);
            if (k < 0 || k > 255 || Float.floatToRawIntBits(pixels[i]) != Float.floatToRawIntBits(LEVEL[k])) { // not a level (−0, NaN included)
                return new Dataset(null, pixels, labels, count, rows, cols);
            }
            b[i] = (byte) k;
        }
        return new Dataset(b, null, labels, count, rows, cols);
    }

    /** All the pixels, image after image, as floats in [0, 1]: a new array when they are kept as grey levels. */
    public float[] pixels() {
        if (values != null) return values;
        float[] out = new float[levels.length];
        copy(0, out, 0, out.length);
        return out;
    }

    /** Image i's pixels as floats, a new array. */
    public float[] image(int i) {
        float[] out = new float[dim()];
        copy(i * dim(), out, 0, out.length);
        return out;
    }

    /** out[at, at + n) ← pixels [from, from + n) as floats, whichever way they are kept. */
    private void copy(int from, float[] out, int at, int n) {
        if (values != null) System.arraycopy(values, from, out, at, n);
        else for (int j = 0; j < n; j++) out[at + j] = LEVEL[levels[from + j] & 0xff];
    }

    /** The labels, one per image, or null where there are none. */
    public int[] labels() {
        return labels;
    }

    /** The number of images. */
    public int count() {
        return count;
    }

    /** The rows of an image. */
    public int rows() {
        return rows;
    }

    /** The columns of an image. */
    public int cols() {
        return cols;
    }

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
        return new Dataset(im.data(), null, lab, im.dims()[0], im.dims()[1], im.dims()[2]);
    }

    /** The first n images (all of them when n ≥ count). */
    public Dataset head(int n) {
        if (n >= count) return this;
        if (n < 1) throw new IllegalArgumentException("Dataset.head: n must be positive, got " + n);
        int[] lab = labels == null ? null : Arrays.copyOf(labels, n);
        return levels != null ? new Dataset(Arrays.copyOf(levels, n * dim()), null, lab, n, rows, cols)
                : new Dataset(null, Arrays.copyOf(values, n * dim()), lab, n, rows, cols);
    }

    /** The same images with other pixel values (same count and size): for preprocessing; kept as bytes where they are grey levels. */
    public Dataset withPixels(float[] newPixels) {
        int n = count * dim();
        if (newPixels.length != n) throw new IllegalArgumentException("Dataset.withPixels: " + newPixels.length + " values for " + n);
        return compact(newPixels, labels, count, rows, cols);
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive) as a [to − from, rows·cols] tensor. */
    public Tensor batch(int from, int to, DType dtype) {
        return rows(java.util.stream.IntStream.range(from, to).toArray(), dtype);
    }

    /**
     * The given rows, in order, as a [n, rows·cols] tensor: grey levels by {@link Tensor#greyLevels} (one vector
     * pass into the tensor's storage, where a table lookup per pixel into an array that was then copied took
     * about 5 % of a W1 training step), other pixels copied.
     */
    public Tensor rows(int[] index, DType dtype) {
        int d = dim();
        if (levels != null) {
            int[] starts = new int[index.length];
            for (int i = 0; i < index.length; i++) starts[i] = index[i] * d;
            return Tensor.greyLevels(levels, starts, d, dtype);
        }
        float[] out = new float[index.length * d];
        for (int i = 0; i < index.length; i++) copy(index[i] * d, out, i * d, d);
        if (dtype == DType.FLOAT32) return Tensor.of(out, index.length, d);
        double[] wide = new double[out.length];
        for (int i = 0; i < out.length; i++) wide[i] = out[i];
        return Tensor.of(wide, index.length, d);
    }
}

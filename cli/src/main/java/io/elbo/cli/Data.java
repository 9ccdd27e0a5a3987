package io.elbo.cli;

import io.elbo.autodiff.Tensor;
import io.elbo.vae.data.Dataset;
import io.elbo.vae.data.IdxException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The images a run trains and is tested on, and where they came from. Looked for in this order:
 * {@code --data DIR}; Debian's {@code dataset-fashion-mnist} package; the Fashion-MNIST sample
 * embedded in the jar (2000 training and 500 test images), so that {@code vae train} works anywhere.
 *
 * @param train the training images; null when only the test images were read ({@link #loadTest})
 * @param source how the run names it: {@code sample} or an absolute directory
 */
public record Data(Dataset train, Dataset test, String source, String description) {
    static final String SAMPLE = "sample";
    static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");
    private static final String TRAIN_IMAGES = "train-images-idx3-ubyte", TRAIN_LABELS = "train-labels-idx1-ubyte",
            TEST_IMAGES = "t10k-images-idx3-ubyte", TEST_LABELS = "t10k-labels-idx1-ubyte";

    /** Fashion-MNIST's ten classes, by label. */
    static final String[] FASHION_CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
        "Ankle boot"};

    /** Names of the labels when the data is Fashion-MNIST (the sample or Debian's), else null. */
    public String[] classNames() {
        return source.equals(SAMPLE) || source.equals(DEBIAN.toString()) ? FASHION_CLASSES : null;
    }

    /** This data, checked to have images of rows × cols (the size a model was built for). */
    Data requireSize(int rows, int cols) {
        for (Dataset set : new Dataset[] {train, test}) {
            if (set != null && (set.rows() != rows || set.cols() != cols)) {
                throw new CliException(source + ": images are " + set.rows() + "×" + set.cols() + ", the model expects " + rows + "×" + cols);
            }
        }
        return this;
    }

    /** The source to use for {@code --data} (null when not given). */
    static String resolve(String option) {
        if (option != null) {
            if (option.equals(SAMPLE)) return SAMPLE;
            if (isUri(option)) return option; // hdfs://, s3a://, file://: a Parquet set that Spark reads
            Path dir = Path.of(option).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) throw new CliException("--data " + option + ": no such directory");
            return dir.toString();
        }
        return Files.isRegularFile(DEBIAN.resolve(TRAIN_IMAGES + ".gz")) ? DEBIAN.toString() : SAMPLE;
    }

    /** The description of a Parquet image set {@code vae parquet} wrote (and that other sets can add by hand). */
    public static final String PARQUET_INFO = "dataset.json";

    /** True when {@code source} is a directory holding a Parquet image set: train.parquet (and test.parquet, dataset.json). */
    static boolean isParquet(String source) {
        return isUri(source) || (!source.equals(SAMPLE) && Files.isDirectory(Path.of(source, "train.parquet")));
    }

    /** A URI with a scheme (hdfs://..., s3a://..., file:///...): data only Spark can read. */
    static boolean isUri(String source) {
        return source.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*");
    }

    /** rows and cols of a Parquet set's images, from its dataset.json; one line when it is missing or wrong. */
    static int[] parquetImageSize(String source) {
        if (isUri(source)) return imageSize(source + "/" + PARQUET_INFO, SparkSupport.find().read(source + "/" + PARQUET_INFO));
        Path info = Path.of(source, PARQUET_INFO);
        try {
            return imageSize(info.toString(), Files.readString(info));
        } catch (java.io.IOException e) {
            throw new CliException(info + ": cannot read the Parquet set's description (" + io.elbo.nn.IoErrors.reason(e)
                    + "); vae parquet writes it: {\"rows\": 28, \"cols\": 28}");
        }
    }

    private static int[] imageSize(String info, String text) {
        try {
            var json = com.google.gson.JsonParser.parseString(text).getAsJsonObject();
            int r = json.get("rows").getAsInt(), c = json.get("cols").getAsInt();
            if (r < 1 || c < 1 || (long) r * c > 1 << 24) throw new CliException(info + ": images of " + r + "×" + c + " pixels");
            return new int[] {r, c};
        } catch (CliException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CliException(info + ": not a description of the images ({\"rows\": R, \"cols\": C} expected)");
        }
    }

    /** Reads a source's training and test sets (labels optional). */
    static Data load(String source) {
        return load(source, true);
    }

    /**
     * Reads a source's test set alone (labels optional), for the commands on a trained model: Debian's
     * Fashion-MNIST's 10 000 test images, not its 60 000 training images as well.
     */
    static Data loadTest(String source) {
        return load(source, false);
    }

    private static Data load(String source, boolean withTrain) {
        try {
            if (!withTrain) {
                if (source.equals(SAMPLE)) {
                    Dataset test = resource(TEST_IMAGES, TEST_LABELS);
                    return new Data(null, test, SAMPLE, "the Fashion-MNIST sample embedded in vae (" + test.count() + " test images)");
                }
                Path dir = Path.of(source);
                Dataset test = Dataset.load(find(dir, TEST_IMAGES, true), find(dir, TEST_LABELS, false));
                String name = dir.equals(DEBIAN) ? "Fashion-MNIST from Debian's dataset-fashion-mnist" : "IDX data";
                return new Data(null, test, source, name + " in " + dir + " (" + test.count() + " test images, " + test.rows() + "×"
                        + test.cols() + ")");
            }
            if (source.equals(SAMPLE)) {
                Dataset train = resource(TRAIN_IMAGES, TRAIN_LABELS), test = resource(TEST_IMAGES, TEST_LABELS);
                return new Data(train, test, SAMPLE, "the Fashion-MNIST sample embedded in vae (" + train.count() + " train, "
                        + test.count() + " test images; install Debian's dataset-fashion-mnist or pass --data DIR for the full set)");
            }
            Path dir = Path.of(source);
            Dataset train = Dataset.load(find(dir, TRAIN_IMAGES, true), find(dir, TRAIN_LABELS, false));
            Dataset test = Dataset.load(find(dir, TEST_IMAGES, true), find(dir, TEST_LABELS, false));
            if (train.dim() != test.dim()) {
                throw new CliException(dir + ": training images are " + train.rows() + "×" + train.cols() + ", test images "
                        + test.rows() + "×" + test.cols());
            }
            String name = dir.equals(DEBIAN) ? "Fashion-MNIST from Debian's dataset-fashion-mnist" : "IDX data";
            return new Data(train, test, source, name + " in " + dir + " (" + train.count() + " train, " + test.count() + " test images, "
                    + train.rows() + "×" + train.cols() + ")");
        } catch (IdxException e) {
            throw new CliException(e.getMessage());
        }
    }

    private static Path find(Path dir, String base, boolean required) {
        for (String name : new String[] {base + ".gz", base, base.replace("-idx", ".idx") + ".gz", base.replace("-idx", ".idx")}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        if (required) throw new CliException("--data " + dir + ": no " + base + "[.gz] there (expected the four MNIST-style IDX files)");
        return null;
    }

    private static Dataset resource(String images, String labels) throws IdxException {
        try (InputStream im = open(images); InputStream lb = open(labels)) {
            return Dataset.load(im, "sample/" + images + ".gz", lb, "sample/" + labels + ".gz");
        } catch (IOException e) {
            throw new CliException("the embedded sample cannot be read: " + e.getMessage());
        }
    }

    private static InputStream open(String base) {
        InputStream in = Data.class.getResourceAsStream("sample/" + base + ".gz");
        if (in == null) throw new CliException("the embedded sample is missing from this build (sample/" + base + ".gz)");
        return in;
    }

    /** How pixels become the decoder's targets. */
    public enum Pixels {
        /** Grey values in [0, 1], used directly as Bernoulli targets (PyTorch's VAE example). */
        GREY,
        /** One Bernoulli draw per pixel, made once with a fixed generator: a fixed binary data set. */
        STATIC,
        /** A fresh Bernoulli draw per pixel each time an image is used (the test set is drawn once). */
        DYNAMIC;

        /** The mode named {@code s} (any case; "gray" too), or one line naming the choices. */
        public static Pixels parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "grey", "gray" -> GREY;
                case "static" -> STATIC;
                case "dynamic" -> DYNAMIC;
                default -> throw new IllegalArgumentException("unknown pixel preprocessing '" + s + "' (grey, static or dynamic)");
            };
        }

        /** Its name on the command line and in config.json: "grey", "static", "dynamic". */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The training set as the run sees it before each use (dynamic binarisation happens per batch). */
        Dataset train(Dataset d) {
            return this == STATIC ? binarise(d, 1) : d;
        }

        /** The test set: binarised once for both binary modes, so test numbers are comparable between epochs. */
        Dataset test(Dataset d) {
            return this == GREY ? d : binarise(d, 2);
        }

        private static Dataset binarise(Dataset d, long stream) {
            UniformRandomProvider rng = io.elbo.vae.Streams.of(0x5eedL, stream);
            float[] out = new float[d.count() * d.dim()];
            int i = 0;
            for (int n = 0; n < d.count(); n++) for (float p : d.image(n)) out[i++] = rng.nextFloat() < p ? 1f : 0f; // image by image: no float copy of the whole set
            return d.withPixels(out);
        }

        /** Dynamic binarisation of a batch in place: xᵢ ← 1 with probability xᵢ. */
        /** Each grey value p becomes 1 with probability p, else 0 (one draw per pixel, in order). */
        static Tensor binarise(Tensor batch, UniformRandomProvider rng) {
            float[] v = batch.toFloatArray();
            for (int i = 0; i < v.length; i++) v[i] = rng.nextFloat() < v[i] ? 1f : 0f;
            return Tensor.of(v, batch.shape());
        }
    }
}

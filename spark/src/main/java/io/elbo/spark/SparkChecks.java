package io.elbo.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What goes wrong before and around a Spark job, said in one line naming the file, the column or the
 * master and the cause: a master that does not answer (refused at once, not after Spark's minute of
 * registration retries), a Parquet image set whose files or columns are not what {@link SparkData}
 * reads, and a failure Spark reports from its executors. Failures are {@link IllegalArgumentException}s
 * whose message is that line. Also keeps Spark's own logging off the terminal unless asked for.
 */
public final class SparkChecks {
    private SparkChecks() {}

    /** Seconds to wait for a standalone master to accept a connection. */
    static final int CONNECT_SECONDS = 5;

    /**
     * Spark's log level: {@code VAE_SPARK_LOG} when set (WARN, INFO, DEBUG...), else WARN with
     * {@code VAE_DEBUG} set, else OFF: vae says what failed in one line instead of Spark's stack traces
     * and notices ("WARN Utils: Your hostname ..."). Set before the session starts, so that its start is
     * quiet too.
     */
    public static void configureLogging() {
        String wanted = System.getenv("VAE_SPARK_LOG");
        Level level = wanted != null ? Level.toLevel(wanted, Level.WARN) : System.getenv("VAE_DEBUG") != null ? Level.WARN : Level.OFF;
        try {
            Configurator.setAllLevels(LogManager.ROOT_LOGGER_NAME, level);
        } catch (LinkageError | RuntimeException e) {
            // another logging back end than Log4j 2: Spark's logging is its business
        }
    }

    /**
     * A standalone master ({@code spark://HOST:PORT[,HOST:PORT...]}) accepts a connection within
     * {@link #CONNECT_SECONDS}; else one line naming it and the cause. Other masters pass as they are
     * (Spark refuses a URL it cannot parse, in one line).
     */
    public static void requireReachable(String master) {
        if (!master.startsWith("spark://")) return;
        List<String> causes = new ArrayList<>();
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--spark " + master + ": not HOST:PORT after spark:// (" + hostPort + ")");
            }
            if (colon < 1 || port < 1 || port > 65535) {
                throw new IllegalArgumentException("--spark " + master + ": not HOST:PORT after spark:// (" + hostPort + ")");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(hostPort.substring(0, colon), port), CONNECT_SECONDS * 1000);
                return;
            } catch (IOException | RuntimeException e) {
                causes.add(hostPort + ": " + reason(e));
            }
        }
        throw new IllegalArgumentException("the Spark master " + master + " does not answer (" + String.join("; ", causes)
                + "); is it running? (--spark 'local[*]' runs Spark in this process)");
    }

    /** The cause of a failed connection in words. */
    private static String reason(Exception e) {
        if (e instanceof java.net.ConnectException) return "connection refused";
        if (e instanceof java.net.SocketTimeoutException) return "no answer in " + CONNECT_SECONDS + " s";
        if (e instanceof java.net.UnknownHostException || e instanceof java.nio.channels.UnresolvedAddressException) return "unknown host";
        return firstLine(e.getMessage(), e.getClass().getSimpleName());
    }

    /**
     * Checks a Parquet image set's files against what {@link SparkData} reads and what its description
     * says (rows × cols pixels per image): the files can be read as Parquet, column {@code image} is
     * binary or an array of numbers, {@code label} (if any) an int, {@code index} (if any) a long or int,
     * and every image has rows·cols values. One pass over the files, before any training. Returns the
     * number of images; one line naming the file and the cause otherwise.
     */
    public static long checkParquet(SparkSession spark, String path, int rows, int cols) {
        org.apache.spark.sql.Dataset<Row> df;
        try {
            df = spark.read().parquet(path);
        } catch (Exception e) { // Spark's AnalysisException is a checked exception Scala throws unannounced
            String why = describe(e);
            if (why.contains("Path does not exist")) throw new IllegalArgumentException(path + ": no such file or directory");
            throw new IllegalArgumentException(path + ": cannot be read as Parquet (" + why + ")");
        }
        StructType schema = df.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains("image")) {
            throw new IllegalArgumentException(path + ": no column 'image' (the images: binary, a byte per pixel, or an array of"
                    + " numbers in [0, 1]); its columns are " + String.join(", ", names));
        }
        DataType image = schema.apply("image").dataType();
        boolean bytes = image.equals(DataTypes.BinaryType);
        if (!bytes && !(image instanceof ArrayType a && a.elementType() instanceof NumericType)) {
            throw new IllegalArgumentException(path + ": column 'image' holds " + image.simpleString()
                    + ", not binary (a byte per pixel) or an array of numbers in [0, 1]");
        }
        for (StructField f : schema.fields()) {
            boolean ok = switch (f.name()) {
                case "label", "rows", "cols" -> f.dataType().equals(DataTypes.IntegerType);
                case "index" -> f.dataType().equals(DataTypes.LongType);
                default -> true;
            };
            if (!ok) {
                throw new IllegalArgumentException(path + ": column '" + f.name() + "' holds " + f.dataType().simpleString() + ", not "
                        + (f.name().equals("index") ? "bigint (a long: the image's place in the set)" : "int"));
            }
        }
        Row sizes;
        try {
            var size = bytes ? functions.length(functions.col("image")) : functions.size(functions.col("image"));
            sizes = df.select(size.as("n")).agg(functions.count("*"), functions.min("n"), functions.max("n")).first();
        } catch (Exception e) { // a checked SparkException, thrown unannounced
            throw new IllegalArgumentException(path + ": " + describe(e));
        }
        long count = sizes.getLong(0);
        if (count == 0) throw new IllegalArgumentException(path + ": holds no images");
        long dim = (long) rows * cols;
        int min = sizes.isNullAt(1) ? -1 : sizes.getInt(1), max = sizes.isNullAt(2) ? -1 : sizes.getInt(2);
        if (min != dim || max != dim) {
            int wrong = min != dim ? min : max;
            throw new IllegalArgumentException(path + ": " + (wrong < 0 ? "an image is null" : "an image of " + wrong + (bytes ? " bytes" : " values"))
                    + ", but dataset.json says " + rows + "×" + cols + " = " + dim + " pixels");
        }
        return count;
    }

    /**
     * One line for a failure Spark reports: the deepest cause's message, without Spark's error-class
     * prefix ({@code [FIELD_NOT_FOUND]}) and with the file it was reading when Spark names one.
     */
    public static String describe(Throwable e) {
        String file = null;
        Throwable root = e;
        for (Throwable c = e; c != null; c = c.getCause()) {
            root = c;
            String m = c.getMessage();
            if (file == null && m != null) {
                java.util.regex.Matcher f = java.util.regex.Pattern.compile("(file:[^ ,;\"'\\]]+|hdfs://[^ ,;\"'\\]]+|s3a://[^ ,;\"'\\]]+)").matcher(m);
                if (f.find()) file = f.group(1).replaceAll("[.]$", "");
            }
            if (c.getCause() == c) break;
        }
        String m = firstLine(root.getMessage(), "").replaceFirst("^\\[[A-Z_.]+\\] *", "").replaceFirst(" *SQLSTATE: \\w+$", "")
                .replaceFirst("[.]$", "");
        // Spark's messages are its words; an empty one says at least what kind of failure it was
        String what = m.isEmpty() ? "a " + root.getClass().getSimpleName().replace("Exception", " failure").replace("Error", " error") : m;
        return file != null && !what.contains(file) ? file + ": " + what : what;
    }

    private static String firstLine(String s, String otherwise) {
        if (s == null || s.isBlank()) return otherwise;
        return s.strip().lines().findFirst().orElse(otherwise).strip().replaceAll("\\s+", " ");
    }
}

package io.elbo.spark;

import io.elbo.vae.data.Dataset;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Images where big data lives: Parquet (or IDX, parallelised from the driver). A Parquet image set has
 * a column {@code image} (binary: one byte per pixel, 0..255, row-major; or an array of numbers in [0, 1])
 * and {@code label} (int); optionally {@code index} (long, the image's place in the set: it keeps the
 * shuffle, and so the bits, independent of how the files are split) and {@code rows}, {@code cols}.
 * {@link #writeParquet} writes all five, as {@code vae parquet} does for an IDX directory.
 */
public final class SparkData {
    private SparkData() {}

    /**
     * One training image: its place in the data set and its grey values in [0, 1] (as {@link Dataset} holds them).
     *
     * @param index  the image's place in the data set
     * @param pixels its grey values in [0, 1], row-major
     * @serial exclude
     */
    public record Example(long index, float[] pixels) implements Serializable {}

    /** The schema {@link #writeParquet} writes. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
            DataTypes.createStructField("index", DataTypes.LongType, false),
            DataTypes.createStructField("image", DataTypes.BinaryType, false),
            DataTypes.createStructField("label", DataTypes.IntegerType, true),
            DataTypes.createStructField("rows", DataTypes.IntegerType, false),
            DataTypes.createStructField("cols", DataTypes.IntegerType, false)});

    /** A data set already in the driver's memory (read from IDX), spread over {@code partitions}. */
    public static JavaRDD<Example> parallelize(JavaSparkContext sc, Dataset d, int partitions) {
        List<Example> list = new ArrayList<>(d.count());
        for (int i = 0; i < d.count(); i++) list.add(new Example(i, d.image(i)));
        return sc.parallelize(list, partitions);
    }

    /** Writes a data set as Parquet (index, image as bytes, label, rows, cols), replacing {@code path}. */
    public static void writeParquet(SparkSession spark, Dataset d, String path, int partitions) {
        List<Row> rows = new ArrayList<>(d.count());
        int dim = d.dim();
        for (int i = 0; i < d.count(); i++) {
            float[] px = d.image(i);
            byte[] image = new byte[dim];
            for (int j = 0; j < dim; j++) image[j] = (byte) Math.round(px[j] * 255f);
            rows.add(RowFactory.create((long) i, image, d.labels() == null ? null : d.labels()[i], d.rows(), d.cols()));
        }
        spark.createDataFrame(rows, SCHEMA).repartition(partitions).write().mode(SaveMode.Overwrite).parquet(path);
    }

    /** The training images of a Parquet set, each with its global index (the {@code index} column, else its place in the files). */
    public static JavaRDD<Example> readParquet(SparkSession spark, String path) {
        org.apache.spark.sql.Dataset<Row> df = spark.read().parquet(path);
        boolean indexed = java.util.Arrays.asList(df.columns()).contains("index");
        JavaRDD<Row> rows = df.toJavaRDD();
        if (indexed) return rows.map(r -> new Example(r.getLong(r.fieldIndex("index")), pixels(r)));
        return rows.zipWithIndex().map((Tuple2<Row, Long> t) -> new Example(t._2(), pixels(t._1())));
    }

    /** A Parquet set collected to the driver in index order (for the test set the driver evaluates on). */
    public static Dataset collectParquet(SparkSession spark, String path) {
        org.apache.spark.sql.Dataset<Row> df = spark.read().parquet(path);
        List<String> columns = java.util.Arrays.asList(df.columns());
        if (!columns.contains("image")) throw new IllegalArgumentException(path + ": no column 'image' (columns: " + columns + ")");
        List<Row> rows = new ArrayList<>(columns.contains("index") ? df.orderBy("index").collectAsList() : df.collectAsList());
        if (rows.isEmpty()) throw new IllegalArgumentException(path + ": no images");
        int dim = pixels(rows.get(0)).length;
        int r = columns.contains("rows") ? rows.get(0).getInt(rows.get(0).fieldIndex("rows")) : (int) Math.round(Math.sqrt(dim));
        int c = columns.contains("cols") ? rows.get(0).getInt(rows.get(0).fieldIndex("cols")) : dim / r;
        if ((long) r * c != dim) throw new IllegalArgumentException(path + ": images of " + dim + " pixels are not " + r + "×" + c);
        float[] px = new float[rows.size() * dim];
        int[] labels = columns.contains("label") ? new int[rows.size()] : null;
        for (int i = 0; i < rows.size(); i++) {
            float[] p = pixels(rows.get(i));
            if (p.length != dim) throw new IllegalArgumentException(path + ": image " + i + " has " + p.length + " pixels, the first " + dim);
            System.arraycopy(p, 0, px, i * dim, dim);
            if (labels != null) labels[i] = rows.get(i).isNullAt(rows.get(i).fieldIndex("label")) ? 0 : rows.get(i).getInt(rows.get(i).fieldIndex("label"));
        }
        return new Dataset(px, labels, rows.size(), r, c);
    }

    /** The grey values of a row's {@code image}: bytes / 255, or an array of numbers taken as they are. */
    static float[] pixels(Row r) {
        Object v = r.get(r.fieldIndex("image"));
        if (v instanceof byte[] b) {
            float[] out = new float[b.length];
            for (int i = 0; i < b.length; i++) out[i] = (b[i] & 0xff) / 255f;
            return out;
        }
        List<Object> list = r.getList(r.fieldIndex("image"));
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            double x = ((Number) list.get(i)).doubleValue();
            if (!(x >= 0 && x <= 1)) throw new IllegalArgumentException("image values must be grey levels in [0, 1], got " + x);
            out[i] = (float) x;
        }
        return out;
    }
}

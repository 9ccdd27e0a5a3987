package io.elbo.cli;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The PNGs of a run: image grids written with the JDK's ImageIO, charts drawn by XChart. Every
 * file is written to a temporary name and moved into place, so a reader never sees half a picture.
 */
final class Pictures {
    private Pictures() {}

    private static final int SCALE = 2, PAD = 2;

    /**
     * A grid of grey images: {@code pixels} holds n images of rows×cols values in [0, 1] (clamped),
     * laid out {@code columns} to a row, each magnified twice, on a grey border.
     */
    static BufferedImage grid(float[] pixels, int n, int rows, int cols, int columnsWanted) {
        int columns = Math.max(1, Math.min(columnsWanted, n)); // no empty columns, and no width that overflows
        int gridRows = (n + columns - 1) / columns;
        int cw = cols * SCALE + PAD, ch = rows * SCALE + PAD;
        BufferedImage img = new BufferedImage(columns * cw + PAD, gridRows * ch + PAD, BufferedImage.TYPE_BYTE_GRAY);
        var g = img.createGraphics();
        g.setColor(new Color(96, 96, 96));
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.dispose();
        var raster = img.getRaster();
        int d = rows * cols;
        for (int k = 0; k < n; k++) {
            int x0 = PAD + (k % columns) * cw, y0 = PAD + (k / columns) * ch;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    float v = pixels[k * d + r * cols + c];
                    int grey = Math.round(255 * (Float.isNaN(v) ? 0 : Math.max(0, Math.min(1, v))));
                    for (int dy = 0; dy < SCALE; dy++) {
                        for (int dx = 0; dx < SCALE; dx++) raster.setSample(x0 + c * SCALE + dx, y0 + r * SCALE + dy, 0, grey);
                    }
                }
            }
        }
        return img;
    }

    /**
     * Originals above their reconstructions: rows of 8 test images, each followed by the row of their
     * reconstructions. {@code orig} and {@code recon} hold n images of rows×cols values.
     */
    static BufferedImage originalsAboveReconstructions(float[] orig, float[] recon, int n, int rows, int cols) {
        int d = rows * cols, perRow = 8, shown = 0;
        float[] grid = new float[2 * ((n + perRow - 1) / perRow) * perRow * d];
        for (int row = 0; row * perRow < n; row++) {
            int k = Math.min(perRow, n - row * perRow);
            System.arraycopy(orig, row * perRow * d, grid, shown * d, k * d);
            System.arraycopy(recon, row * perRow * d, grid, (shown + perRow) * d, k * d);
            shown += 2 * perRow;
        }
        return grid(grid, shown, rows, cols, perRow);
    }

    static {
        ImageIO.setUseCache(false); // encode in memory: no cache files of ImageIO's own in java.io.tmpdir
    }

    /**
     * Writes a PNG atomically. ImageIO is handed a stream we opened, never a file: given a file it cannot
     * create, it prints a stack trace of its own before failing.
     */
    static void writePng(BufferedImage img, Path path) {
        writeAtomically(path, out -> {
            if (!ImageIO.write(img, "png", out)) throw new CliException("no PNG writer in this JVM");
        });
    }

    /** Writes a text file atomically. */
    static void writeText(Path path, String text) {
        writeAtomically(path, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    interface Writer {
        void write(java.io.OutputStream out) throws IOException;
    }

    /**
     * Writes to a temporary sibling of a name unique to this process and call ({@code .NAME.PID-RANDOM.tmp},
     * created with the umask's permissions), then moves it over {@code path}; the temporary file never
     * outlives a failure, and one left by a killed run is removed by the next writer ({@link RunLock}).
     */
    private static void writeAtomically(Path path, Writer writer) {
        Path tmp = io.elbo.nn.SafeTensors.temporarySibling(path);
        try {
            try (java.io.OutputStream out = new java.io.BufferedOutputStream(
                    Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE))) {
                writer.write(out);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliException(path + ": cannot write (" + io.elbo.nn.IoErrors.reason(e) + ")");
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover temporary file is removed by the next run in this directory
            }
        }
    }

    /** The loss curve: training objective and test −ELBO per epoch, in nats per image. */
    static void lossCurve(List<double[]> rows, String trainLabel, Path path) {
        XYChart chart = new XYChartBuilder().width(720).height(440).title("Loss per epoch").xAxisTitle("epoch")
                .yAxisTitle("nats per image").build();
        chart.getStyler().setMarkerSize(6);
        List<Double> epochs = new ArrayList<>(), train = new ArrayList<>(), test = new ArrayList<>();
        for (double[] r : rows) {
            epochs.add(r[0]);
            train.add(r[1]);
            test.add(r[2]);
        }
        chart.addSeries(trainLabel, epochs, train).setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("test −ELBO", epochs, test).setMarker(SeriesMarkers.DIAMOND);
        writePng(BitmapEncoder.getBufferedImage(chart), path);
    }

    /** Test codes μ(x) in a 2-D latent space, one colour per label. */
    static void latentScatter(float[] mu, int[] labels, String[] classNames, int n, Path path) {
        XYChart chart = new XYChartBuilder().width(720).height(640).title("Test images in latent space (μ of q(z|x))")
                .xAxisTitle("z1").yAxisTitle("z2").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(4);
        int classes = 0;
        for (int i = 0; i < n; i++) classes = Math.max(classes, labels == null ? 0 : labels[i]);
        for (int label = 0; label <= classes; label++) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (labels == null || labels[i] == label) {
                    xs.add((double) mu[2 * i]);
                    ys.add((double) mu[2 * i + 1]);
                }
            }
            if (!xs.isEmpty()) chart.addSeries(labels == null ? "test"
                    : classNames != null && label < classNames.length ? classNames[label] : "label " + label, xs, ys).setMarker(SeriesMarkers.CIRCLE);
        }
        writePng(BitmapEncoder.getBufferedImage(chart), path);
    }
}

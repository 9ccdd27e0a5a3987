package io.elbo.cli;

import java.awt.Color;
import java.awt.Graphics2D;
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
public final class Pictures {
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
     * reconstructions, each row labelled on the left, under a title naming the images and {@code what}
     * (the epoch, or the run). {@code orig} and {@code recon} hold n images of rows×cols values.
     */
    static BufferedImage originalsAboveReconstructions(float[] orig, float[] recon, int n, int first, int rows, int cols, String what) {
        int d = rows * cols, perRow = 8, shown = 0;
        float[] grid = new float[2 * ((n + perRow - 1) / perRow) * perRow * d];
        for (int row = 0; row * perRow < n; row++) {
            int k = Math.min(perRow, n - row * perRow);
            System.arraycopy(orig, row * perRow * d, grid, shown * d, k * d);
            System.arraycopy(recon, row * perRow * d, grid, (shown + perRow) * d, k * d);
            shown += 2 * perRow;
        }
        BufferedImage g = grid(grid, shown, rows, cols, perRow);
        Figure f = new Figure(g, "test images " + first + "-" + (first + n - 1) + " and their reconstructions, " + what, LABELS, 0);
        int ch = rows * SCALE + PAD;
        for (int r = 0; r < shown / perRow; r++) {
            f.rightAligned(r % 2 == 0 ? "originals" : "reconstructions", f.left - 6, f.top + PAD + r * ch + ch / 2 + 4);
        }
        return f.done();
    }

    /** Width of the column of row labels, height of a title line, of the axis band: the margins of an annotated picture. */
    static final int LABELS = 110, TITLE = 24, AXIS = 40;

    /**
     * An image grid placed on white with a title above it and room for labels at its left and below it
     * (black text, anti-aliased), so a picture says what it shows without the source.
     */
    static final class Figure {
        final BufferedImage image;
        final java.awt.Graphics2D g;
        final int left, top, width, height;

        Figure(BufferedImage content, String title, int left, int bottom) {
            this.left = left;
            this.top = TITLE;
            this.width = content.getWidth();
            this.height = content.getHeight();
            image = new BufferedImage(left + width + 8, TITLE + height + bottom + 4, BufferedImage.TYPE_INT_RGB);
            g = image.createGraphics();
            g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.drawImage(content, left, TITLE, null);
            g.setColor(Color.BLACK);
            g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 12));
            g.drawString(fit(title, image.getWidth() - 8), 4, 16);
        }

        /** The longest prefix of {@code text} (with "...") that fits {@code pixels}. */
        String fit(String text, int pixels) {
            var m = g.getFontMetrics();
            if (m.stringWidth(text) <= pixels) return text;
            String t = text;
            while (t.length() > 1 && m.stringWidth(t + "...") > pixels) t = t.substring(0, t.length() - 1);
            return t + "...";
        }

        void rightAligned(String text, int x, int baseline) {
            g.drawString(text, x - g.getFontMetrics().stringWidth(text), baseline);
        }

        void centred(String text, int x, int baseline) {
            g.drawString(text, x - g.getFontMetrics().stringWidth(text) / 2, baseline);
        }

        BufferedImage done() {
            g.dispose();
            return image;
        }
    }

    /**
     * The manifold of a 2-D latent space: {@code size}×{@code size} decoder means at z on a grid over
     * [lo, hi]², z₁ left to right and z₂ decreasing downwards, with both axes drawn, ticked and labelled.
     */
    static BufferedImage manifold(float[] pixels, int size, int rows, int cols, double lo, double hi, String what) {
        BufferedImage grid = grid(pixels, size * size, rows, cols, size);
        Figure f = new Figure(grid, "decoder means p(x|z) on a " + size + "x" + size + " grid of z in [" + fmt(lo) + ", " + fmt(hi) + "]^2, "
                + what, 52, AXIS);
        int cw = cols * SCALE + PAD, ch = rows * SCALE + PAD;
        int x0 = f.left + PAD + cols * SCALE / 2, y0 = f.top + PAD + rows * SCALE / 2; // centres of the first image
        double step = (hi - lo) / 4;
        for (int t = 0; t <= 4; t++) {
            double z = lo + t * step, at = (z - lo) / (hi - lo) * (size - 1);
            int x = x0 + (int) Math.round(at * cw), y = y0 + (int) Math.round(at * ch);
            int bottom = f.top + f.height;
            f.g.drawLine(x, bottom, x, bottom + 5);
            f.centred(fmt(z), x, bottom + 18);
            int yz = y0 + (int) Math.round((hi - z) / (hi - lo) * (size - 1) * ch);
            f.g.drawLine(f.left - 5, yz, f.left, yz);
            f.rightAligned(fmt(z), f.left - 8, yz + 4);
        }
        f.centred("z1", f.left + f.width / 2, f.top + f.height + 34);
        f.g.drawString("z2", 4, f.top + f.height / 2 + 4);
        return f.done();
    }

    /**
     * A straight path in latent space between two test images: the first image, {@code steps} decoded
     * points, the second image, with the two endpoints framed and labelled.
     */
    static BufferedImage interpolation(float[] row, int steps, int rows, int cols, int from, int to, String what) {
        BufferedImage grid = grid(row, steps + 2, rows, cols, steps + 2);
        Figure f = new Figure(grid, "from test image " + from + " to test image " + to + " in latent space, " + what, 0, AXIS - 10);
        int cw = cols * SCALE + PAD;
        f.g.setColor(new Color(200, 90, 0));
        f.g.setStroke(new java.awt.BasicStroke(2));
        for (int k : new int[] {0, steps + 1}) f.g.drawRect(f.left + PAD + k * cw - 1, f.top + PAD - 1, cols * SCALE + 1, rows * SCALE + 1);
        f.g.setColor(Color.BLACK);
        int baseline = f.top + f.height + 16;
        f.centred("test " + from, f.left + PAD + cols * SCALE / 2, baseline);
        f.centred("test " + to, f.left + PAD + (steps + 1) * cw + cols * SCALE / 2, baseline);
        f.centred("decoded at μ(" + from + ") + t·(μ(" + to + ") − μ(" + from + ")), t = 0 ... 1", f.left + f.width / 2, baseline);
        return f.done();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.2f", v).replaceAll("0$", "");
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
    public static void writeText(Path path, String text) {
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

    /** Colours that read on white (Tableau 10, a colour-blind-aware palette). */
    static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
            new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127), new Color(188, 189, 34),
            new Color(23, 190, 207)};

    /**
     * The loss curve per epoch, in nats per image: the training objective and the test −ELBO, and, when
     * the objective is the ELBO, its reconstruction term; the KL, an order of magnitude smaller, in a
     * panel of its own below, on an axis from 0 (so a change of a few tenths of a nat looks as small as
     * it is, not as steep as the loss's tens). Each legend sits under its panel, never over the lines.
     * Each row: epoch, train, test, reconstruction, KL (NaN: none).
     */
    static void lossCurve(List<double[]> rows, String trainLabel, Path path) {
        List<Double> epochs = new ArrayList<>(), train = new ArrayList<>(), test = new ArrayList<>(), recon = new ArrayList<>(), kl = new ArrayList<>();
        boolean terms = true;
        for (double[] r : rows) {
            epochs.add(r[0]);
            train.add(r[1]);
            test.add(r[2]);
            terms &= r.length > 4 && Double.isFinite(r[3]) && Double.isFinite(r[4]);
            recon.add(r.length > 3 ? r[3] : Double.NaN);
            kl.add(r.length > 4 ? r[4] : Double.NaN);
        }
        XYChart loss = panel(terms ? 400 : 460, "Loss per epoch (nats per image)", terms ? "-ELBO, reconstruction" : "-ELBO");
        loss.addSeries(trainLabel + " (train)", epochs, train).setMarker(SeriesMarkers.CIRCLE);
        loss.addSeries("test -ELBO", epochs, test).setMarker(SeriesMarkers.DIAMOND);
        if (!terms) {
            writePng(BitmapEncoder.getBufferedImage(loss), path);
            return;
        }
        loss.addSeries("reconstruction (train)", epochs, recon).setMarker(SeriesMarkers.SQUARE);
        XYChart klChart = panel(210, null, "KL (train)");
        klChart.getStyler().setYAxisMin(0.0).setSeriesColors(new Color[] {PALETTE[3]}).setLegendVisible(false);
        klChart.getStyler().setYAxisTickMarkSpacingHint(45);
        double most = kl.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        klChart.getStyler().setYAxisMax(most > 0 ? most * 1.15 : 1.0);
        klChart.addSeries("KL (train)", epochs, kl).setMarker(SeriesMarkers.TRIANGLE_UP);
        BufferedImage top = BitmapEncoder.getBufferedImage(loss), bottom = BitmapEncoder.getBufferedImage(klChart);
        // the same epoch above the same epoch: the panel with the narrower tick labels moves its plot right to match
        int shift = screenX(loss, epochs.get(0)) - screenX(klChart, epochs.get(0));
        if (shift != 0) {
            XYChart narrower = shift > 0 ? klChart : loss;
            narrower.getStyler().setAxisTickPadding(narrower.getStyler().getAxisTickPadding() + Math.abs(shift));
            top = BitmapEncoder.getBufferedImage(loss);
            bottom = BitmapEncoder.getBufferedImage(klChart);
        }
        BufferedImage both = new BufferedImage(top.getWidth(), top.getHeight() + bottom.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(top, 0, 0, null);
        g.drawImage(bottom, 0, top.getHeight(), null);
        g.dispose();
        writePng(both, path);
    }

    /** The column where a drawn chart puts x (its first pixel at or past it). */
    private static int screenX(XYChart chart, double x) {
        for (int px = 0; px < chart.getWidth(); px++) {
            if (chart.getChartXFromCoordinate(px) >= x) return px;
        }
        return 0;
    }

    /** One panel of the loss curve: white, the epoch axis below, the legend under the plot (never over a line). */
    private static XYChart panel(int height, String title, String yTitle) {
        XYChartBuilder b = new XYChartBuilder().width(760).height(height).xAxisTitle("epoch").yAxisTitle(yTitle);
        if (title != null) b.title(title);
        XYChart chart = b.build();
        chart.getStyler().setMarkerSize(6).setChartBackgroundColor(Color.WHITE).setPlotBackgroundColor(Color.WHITE)
                .setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS)
                .setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal).setLegendBorderColor(Color.WHITE)
                .setSeriesColors(PALETTE);
        return chart;
    }

    /** Test codes μ(x) in a 2-D latent space, one colour per label; {@code what} ("epoch 3") in the title. */
    static void latentScatter(float[] mu, int[] labels, String[] classNames, int n, String what, Path path) {
        XYChart chart = new XYChartBuilder().width(720).height(640).title(n + " test images in latent space (mean of q(z|x)), " + what)
                .xAxisTitle("z1").yAxisTitle("z2").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(4).setSeriesColors(PALETTE).setChartBackgroundColor(Color.WHITE).setPlotBackgroundColor(Color.WHITE);
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

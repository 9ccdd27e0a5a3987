package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pictures that say what they show: vae sample's grid is titled as vae plot's is; the loss curve keeps the KL in a panel from 0. */
class PicturesTest {
    @TempDir
    Path tmp;

    static boolean hasInk(BufferedImage img, int x0, int y0, int w, int h) {
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) return true;
        }
        return false;
    }

    @Test
    void samplesPngIsTitledAsPlotsIs() throws Exception {
        Path run = tmp.resolve("run");
        CliTest.vae(CliTest.with(CliTest.SHORT, "-e", "1", "--hidden", "16", "--latent", "2", "-o", run.toString())).assertOk();
        CliTest.vae("sample", run.toString(), "-n", "16", "--columns", "8").assertOk();
        BufferedImage sampled = ImageIO.read(run.resolve("samples.png").toFile());
        CliTest.vae("plot", run.toString()).assertOk();
        BufferedImage plotted = ImageIO.read(run.resolve("samples.png").toFile());
        int grid = 8 * (28 * 2 + 2) + 2;
        assertEquals(grid + 8, sampled.getWidth());
        assertEquals(Pictures.TITLE + 2 * (28 * 2 + 2) + 2 + 4, sampled.getHeight(), "a title line above two rows of 8");
        assertEquals(Pictures.TITLE + grid + 4, plotted.getHeight(), "plot's: a title line above 8 rows of 8");
        assertTrue(hasInk(sampled, 0, 0, sampled.getWidth(), Pictures.TITLE - 2), "the title is drawn");
        assertTrue(hasInk(plotted, 0, 0, plotted.getWidth(), Pictures.TITLE - 2), "the title is drawn");
    }

    /** The loss curve: with reconstruction and KL, a second panel below the first (the KL's own, from 0). */
    @Test
    void theLossCurveDrawsTheKlInAPanelOfItsOwnBelow() throws Exception {
        Path one = tmp.resolve("one.png"), two = tmp.resolve("two.png");
        List<double[]> rows = List.of(new double[] {1, 300, 290, 285, 15}, new double[] {2, 280, 275, 265.2, 14.8},
                new double[] {3, 270, 268, 255.6, 14.4});
        Pictures.lossCurve(rows, "-ELBO", two);
        Pictures.lossCurve(rows.stream().map(r -> new double[] {r[0], r[1], r[2], Double.NaN, Double.NaN}).toList(), "-L_5", one);
        BufferedImage a = ImageIO.read(one.toFile()), b = ImageIO.read(two.toFile());
        assertEquals(a.getWidth(), b.getWidth());
        assertTrue(b.getHeight() > a.getHeight(), "the KL's panel adds height: " + a.getHeight() + " vs " + b.getHeight());
    }
}

package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae eval --json}: one JSON object on standard output and nothing else, holding what the lines say
 * (the same bits for the same seed), with the standard error of −L_k over the images.
 */
class EvalJsonTest {
    @Test
    void evalJsonIsOneObjectWithTheLinesFiguresAndAStandardError(@TempDir Path tmp) {
        Path run = tmp.resolve("run");
        CliTest.vae("train", "--data", "sample", "--limit", "256", "-b", "64", "-e", "1", "--hidden", "32", "--latent", "3", "-o",
                run.toString()).assertOk();
        CliTest.Result lines = CliTest.vae("eval", run.toString(), "-k", "20", "-n", "30", "--seed", "4");
        lines.assertOk();
        CliTest.Result json = CliTest.vae("eval", run.toString(), "-k", "20", "-n", "30", "--seed", "4", "--json");
        json.assertOk();
        List<String> out = json.out().lines().toList();
        assertEquals(1, out.size(), "one line: " + json.out());
        JsonObject o = JsonParser.parseString(out.get(0)).getAsJsonObject();
        assertEquals(List.of("run", "test_neg_elbo", "test_images", "elbo_samples", "k", "n", "neg_L_k", "neg_L_k_standard_error", "seconds"),
                List.copyOf(o.keySet()), "the fields, in a fixed order");
        assertEquals(20, o.get("k").getAsInt());
        assertEquals(30, o.get("n").getAsInt());
        String text = lines.out().replaceAll("\\s+", " ");
        double negLk = o.get("neg_L_k").getAsDouble(), se = o.get("neg_L_k_standard_error").getAsDouble();
        assertTrue(text.contains(String.format(java.util.Locale.ROOT, "-L_20: %.2f ± %.2f nats per image", negLk, se)), text);
        assertTrue(text.contains(String.format(java.util.Locale.ROOT, "test -ELBO: %.2f nats", o.get("test_neg_elbo").getAsDouble())), text);
        assertTrue(se > 0 && se < 0.5 * Math.abs(negLk), "a standard error over 30 images: " + se);
        assertTrue(o.get("seconds").getAsDouble() > 0);
    }

    /** The per-image file holds the very values −L_k and its standard error are the mean and the spread of. */
    @Test
    void perImageBoundsAverageToTheReportedBoundAndGiveItsStandardError(@TempDir Path tmp) throws java.io.IOException {
        Path run = tmp.resolve("run"), each = tmp.resolve("each.csv");
        CliTest.vae("train", "--data", "sample", "--limit", "256", "-b", "64", "-e", "1", "--hidden", "32", "--latent", "3", "-o",
                run.toString()).assertOk();
        CliTest.Result json = CliTest.vae("eval", run.toString(), "-k", "20", "-n", "30", "--seed", "4", "--json", "--per-image", each.toString());
        json.assertOk();
        JsonObject o = JsonParser.parseString(json.out().strip()).getAsJsonObject();
        List<String> rows = java.nio.file.Files.readAllLines(each);
        assertEquals("image,neg_L_k", rows.get(0));
        assertEquals(31, rows.size(), "a header and one row per image");
        double sum = 0, sumSq = 0;
        for (int i = 1; i < rows.size(); i++) {
            String[] f = rows.get(i).split(",");
            assertEquals(i - 1, Integer.parseInt(f[0]));
            double v = Double.parseDouble(f[1]);
            sum += v;
            sumSq += v * v;
        }
        double mean = sum / 30, sd = Math.sqrt((sumSq - 30 * mean * mean) / 29);
        assertEquals(o.get("neg_L_k").getAsDouble(), mean, 1e-9 * Math.abs(mean));
        assertEquals(o.get("neg_L_k_standard_error").getAsDouble(), sd / Math.sqrt(30), 1e-6 * sd);
        CliTest.Result again = CliTest.vae("eval", run.toString(), "-k", "20", "-n", "30", "--seed", "4", "--per-image", tmp.resolve("again.csv").toString());
        again.assertOk();
        assertEquals(java.nio.file.Files.readString(each), java.nio.file.Files.readString(tmp.resolve("again.csv")), "the same bytes for the same seed");
        CliTest.Result bad = CliTest.vae("eval", run.toString(), "-k", "2", "-n", "3", "--per-image", "/etc/passwd/x.csv");
        bad.assertOneLineError(1, "/etc/passwd is not a directory");
    }
}

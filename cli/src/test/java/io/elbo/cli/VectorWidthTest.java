package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same bits on every machine: a training run and an evaluation in child JVMs whose vectors are
 * narrower than this machine's ({@code -XX:MaxVectorSize=16}: 4 floats; 32: 8 floats, and 64 where the
 * CPU has AVX-512) write byte-identical checkpoints and the same metrics, to the last digit, as with the
 * default width: every product is one FMA chain per element and every reduction keeps 16 partial sums
 * whatever the lane count. (The GEMM tile is forced in the children, so that none measures its own:
 * the tile changes no bits either, GemmProperties' theorem.)
 */
class VectorWidthTest {
    @TempDir
    Path tmp;

    record Child(int exit, String out, String err) {}

    static Child vae(String maxVectorSize, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Delbo.gemm.tile=4x3", "-Delbo.warmup=off"));
        if (maxVectorSize != null) cmd.add("-XX:MaxVectorSize=" + maxVectorSize);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        return new Child(p.exitValue(), out, err);
    }

    /** metrics.csv without its timing columns (seconds, samples per second). */
    static List<String> metrics(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.csv")).stream().map(l -> l.replaceAll(",[^,]*,[^,]*$", "")).collect(Collectors.toList());
    }

    /** An evaluation's results: its test -ELBO and bound messages (wrapped lines joined), without their times. */
    static List<String> results(String out) {
        return out.replaceAll("\n +", " ").lines().filter(l -> l.startsWith("test -ELBO:") || l.startsWith("-L_"))
                .map(l -> l.replaceAll("; [0-9.]+ s\\)", ")")).collect(Collectors.toList());
    }

    @Test
    void trainingAndEvaluationGiveTheSameBitsWithEveryVectorWidth() throws Exception {
        List<String> widths = new ArrayList<>(List.of("16", "32"));
        if (FloatVector.SPECIES_PREFERRED.length() >= 16) widths.add("64");
        Path reference = tmp.resolve("default");
        String[] train = {"train", "--data", "sample", "--limit", "300", "-b", "64", "-e", "2", "--threads", "2", "-o"};
        Child r = vae(null, concat(train, reference.toString()));
        assertEquals(0, r.exit(), r.err());
        Child e = vae(null, "eval", reference.toString(), "-k", "3", "-n", "20", "-s", "2");
        assertEquals(0, e.exit(), e.err());
        List<String> expected = results(e.out());
        assertEquals(2, expected.size(), e.out());
        byte[] checkpoint = Files.readAllBytes(reference.resolve("checkpoint.safetensors"));
        for (String w : widths) {
            Path run = tmp.resolve("width-" + w);
            Child c = vae(w, concat(train, run.toString()));
            assertEquals(0, c.exit(), c.err());
            // the cpu: line wraps at 80 columns where the CPU's name is long (an Intel Xeon's): join its lines first
            assertTrue(c.out().replaceAll("\n +", " ").contains((Integer.parseInt(w) / 4) + " float lanes"), c.out());
            assertArrayEquals(checkpoint, Files.readAllBytes(run.resolve("checkpoint.safetensors")), "checkpoint with MaxVectorSize=" + w);
            assertEquals(metrics(reference), metrics(run), "metrics with MaxVectorSize=" + w);
            Child ce = vae(w, "eval", reference.toString(), "-k", "3", "-n", "20", "-s", "2");
            assertEquals(0, ce.exit(), ce.err());
            assertEquals(expected, results(ce.out()), "evaluation with MaxVectorSize=" + w);
        }
    }

    private static String[] concat(String[] a, String last) {
        String[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = last;
        return r;
    }
}

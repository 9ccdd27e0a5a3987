package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.nn.SafeTensors;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's files are the same bytes for the same inputs in any process: each run here is a JVM of its
 * own (so a hash-ordered map, whose order the JVM randomises per process, would show), and the files
 * are compared byte for byte. The checkpoint's {@code seconds} field and metrics.csv's seconds and
 * images-per-second columns record time: they are the only bytes allowed to differ, and the test says so.
 */
class SameBytesInAnyProcessTest {
    @TempDir
    Path tmp;

    /** Runs {@code vae ARGS} in a new JVM with this JVM's class path and flags; returns what it printed, failing on a non-zero exit. */
    static String vaeInNewJvm(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xdebug")) cmd.add(a);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "vae " + String.join(" ", args) + " timed out");
        assertEquals(0, p.exitValue(), "vae " + String.join(" ", args) + " said: " + out);
        return out;
    }

    /**
     * The bytes of a checkpoint with its {@code seconds} field's value replaced by zeros of the same length
     * (the header's length, and so every offset, is kept only when both values have one length: the
     * comparison then sees any other difference).
     */
    static byte[] withoutSeconds(Path checkpoint) throws IOException {
        byte[] b = Files.readAllBytes(checkpoint);
        String header = new String(b, 8, (int) java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(),
                StandardCharsets.UTF_8);
        String key = "\"" + Runs.SECONDS + "\":\"";
        int at = header.indexOf(key);
        assertTrue(at >= 0, checkpoint + " records its seconds");
        int from = at + key.length(), to = header.indexOf('"', from);
        String value = SafeTensors.read(checkpoint).metadata().get(Runs.SECONDS);
        assertEquals(value, header.substring(from, to));
        byte[] masked = b.clone();
        for (int i = 8 + from; i < 8 + to; i++) masked[i] = '0';
        return masked;
    }

    /** metrics.csv without its last two columns (seconds, images per second): what a run computes, not how long it took. */
    static List<String> metricsWithoutTimes(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(Runs.METRICS))) out.add(line.replaceFirst(",[^,]*,[^,]*$", ""));
        return out;
    }

    /** Two checkpoints that differ at most in the digits of {@code seconds}: their tensors and every other header byte equal. */
    static void assertSameCheckpoints(Path a, Path b) throws IOException {
        byte[] x = withoutSeconds(a), y = withoutSeconds(b);
        if (x.length == y.length) {
            assertArrayEquals(x, y, a + " and " + b + " differ outside 'seconds'");
        } else { // the seconds' digits differ in number: compare the metadata field by field, in order, and the tensors' bytes
            SafeTensors.Contents ca = SafeTensors.read(a), cb = SafeTensors.read(b);
            List<String> ka = new ArrayList<>(ca.metadata().keySet()), kb = new ArrayList<>(cb.metadata().keySet());
            assertEquals(ka, kb, "metadata keys in order");
            for (String k : ka) {
                if (!k.equals(Runs.SECONDS)) assertEquals(ca.metadata().get(k), cb.metadata().get(k), "metadata '" + k + "'");
            }
            byte[] fa = Files.readAllBytes(a), fb = Files.readAllBytes(b);
            int ha = 8 + (int) java.nio.ByteBuffer.wrap(fa, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            int hb = 8 + (int) java.nio.ByteBuffer.wrap(fb, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertArrayEquals(java.util.Arrays.copyOfRange(fa, ha, fa.length), java.util.Arrays.copyOfRange(fb, hb, fb.length), "tensor bytes");
        }
    }

    @Test
    void twoProcessesTrainingTheSameRunWriteTheSameBytes() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        String[] args = {"train", "--data", "sample", "--limit", "300", "-b", "64", "-e", "2", "--hidden", "24", "--latent", "2", "--seed", "9"};
        vaeInNewJvm(CliTest.with(args, "-o", a.toString()));
        vaeInNewJvm(CliTest.with(args, "-o", b.toString()));
        assertSameCheckpoints(a.resolve(Runs.CHECKPOINT), b.resolve(Runs.CHECKPOINT));
        assertArrayEquals(Files.readAllBytes(a.resolve(Runs.CONFIG)), Files.readAllBytes(b.resolve(Runs.CONFIG)), "config.json");
        assertEquals(metricsWithoutTimes(a), metricsWithoutTimes(b), "metrics.csv but for its times");
        for (String names : new String[] {"native", "pytorch-example"}) {
            Path ea = tmp.resolve("a-" + names + ".safetensors"), eb = tmp.resolve("b-" + names + ".safetensors");
            vaeInNewJvm("export", a.toString(), "--names", names, "-o", ea.toString());
            vaeInNewJvm("export", b.toString(), "--names", names, "-o", eb.toString());
            assertArrayEquals(Files.readAllBytes(ea), Files.readAllBytes(eb), "vae export --names " + names);
        }
    }
}

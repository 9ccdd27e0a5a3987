package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save, load in a fresh process, continue: the same bits as a run that never stopped. */
class ResumeTest {
    @TempDir
    Path dir;

    @Test
    void trainingResumedInAFreshProcessEndsBitIdenticalToAnUninterruptedRun() throws Exception {
        ResumeTrainer straight = new ResumeTrainer(1L);
        straight.train(40);

        ResumeTrainer first = new ResumeTrainer(1L);
        first.train(20);
        Path ckpt = dir.resolve("step20.safetensors"), out = dir.resolve("step40.safetensors");
        Checkpoint.save(ckpt, first.model, first.optimizer, first.rng, Map.of("step", "20"));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                ResumeTrainer.class.getName(), ckpt.toString(), "20", out.toString()).redirectErrorStream(true).start();
        assertEquals(true, p.waitFor(120, TimeUnit.SECONDS), "the resumed run finishes");
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), log);

        Map<String, SafeTensors.Entry> resumed = SafeTensors.read(out).entries();
        Map<String, SafeTensors.Entry> expected = SafeTensors.read(writeOf(straight)).entries();
        assertEquals(expected.keySet(), resumed.keySet());
        for (String name : expected.keySet()) {
            SafeTensors.Entry a = expected.get(name), b = resumed.get(name);
            if (a.tensor() == null) {
                assertEquals(List.of(toList(a.bytes())), List.of(toList(b.bytes())), name);
                continue;
            }
            float[] fa = a.tensor().toFloatArray(), fb = b.tensor().toFloatArray();
            for (int i = 0; i < fa.length; i++) {
                assertEquals(Float.floatToRawIntBits(fa[i]), Float.floatToRawIntBits(fb[i]), name + "[" + i + "] bit-identical");
            }
        }
        assertNotEquals(first.model.parameters().get(0).value().get(0, 0),
                straight.model.parameters().get(0).value().get(0, 0), "training moved the weights after step 20");
    }

    private Path writeOf(ResumeTrainer t) throws Exception {
        Path f = File.createTempFile("straight", ".safetensors", dir.toFile()).toPath();
        Checkpoint.save(f, t.model, t.optimizer, t.rng, Map.of());
        return f;
    }

    private static String toList(byte[] b) {
        return java.util.Arrays.toString(b);
    }
}

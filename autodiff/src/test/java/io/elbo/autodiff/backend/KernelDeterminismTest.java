package io.elbo.autodiff.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The float32 kernels give the same bits compiled as interpreted, so a resumed run (which starts
 * interpreted in a fresh JVM) continues bit for bit. The JDK's lanewise EXP/TANH/LOG and
 * reduceLanes(ADD) fail this; our kernels avoid them.
 */
class KernelDeterminismTest {
    @Test
    void kernelsGiveTheSameBitsInterpretedAndCompiled() throws Exception {
        for (int i = 0; i < 3000; i++) KernelDigest.digests(); // let the JIT compile the kernels
        String compiled = KernelDigest.digests().toString();

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xint", "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                KernelDigest.class.getName()).redirectErrorStream(true).start();
        p.waitFor(300, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String interpreted = out.lines().filter(l -> l.startsWith("{")).findFirst().orElse(out);
        assertEquals(compiled, interpreted);
    }
}

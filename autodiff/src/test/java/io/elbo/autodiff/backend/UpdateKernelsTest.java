package io.elbo.autodiff.backend;

import static io.elbo.autodiff.backend.Float32Checks.assertClose;
import static io.elbo.autodiff.backend.Float32Checks.random;
import static io.elbo.autodiff.backend.Float32Checks.widen;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimisers' float32 update kernels ({@link UpdateKernels32}) against their float64 bodies
 * ({@link ReferenceKernels64#sgdUpdate}, {@link ReferenceKernels64#adamUpdate}) at odd sizes, so the padded tail and sizes below one vector
 * are exercised; an element's update does not depend on where it sits (body or tail); and the float32
 * updates give the same bits interpreted as compiled (a resumed run starts interpreted).
 */
class UpdateKernelsTest {
    @ParameterizedTest
    @MethodSource("io.elbo.autodiff.backend.Float32Checks#laneEdges")
    void float32UpdatesMatchTheFloat64Bodies(int n) {
        Random r = new Random(n);
        for (int variant = 0; variant < 4; variant++) {
            boolean nesterov = variant == 1, decoupled = variant == 2;
            double wd = variant == 0 ? 0 : 0.01, momentum = variant == 3 ? 0 : 0.9;
            float[] p = random(r, n, -1, 1), g = random(r, n, -1, 1), b = random(r, n, -1, 1);
            float[] m = random(r, n, -0.1, 0.1), v = random(r, n, 0, 0.01);
            double[] p64 = widen(p), b64 = widen(b), m64 = widen(m), v64 = widen(v);
            UpdateKernels32.sgd(p, g, b, n, 0.1, momentum, 0.1, wd, nesterov, variant == 3);
            ReferenceKernels64.INSTANCE.sgdUpdate(p64, widen(g), b64, n, 0.1, momentum, 0.1, wd, nesterov, variant == 3);
            assertClose("sgd " + variant, p64, p, 1e-6);
            if (momentum != 0) assertClose("sgd buffer " + variant, b64, b, 1e-6);
            UpdateKernels32.adam(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, 1 - 0.9 * 0.9, Math.sqrt(1 - 0.999 * 0.999));
            ReferenceKernels64.INSTANCE.adamUpdate(p64, widen(g), m64, v64, n, 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, 1 - 0.9 * 0.9, Math.sqrt(1 - 0.999 * 0.999));
            assertClose("adam " + variant, p64, p, 1e-6);
            assertClose("adam m " + variant, m64, m, 1e-7);
            assertClose("adam v " + variant, v64, v, 1e-8);
        }
    }

    /** One tail policy: the same inputs give the same bits at every index, in the vector body and in the tail. */
    @Test
    void anElementsUpdateDoesNotDependOnItsPosition() {
        int n = 1031; // not a multiple of any vector length
        float[] p = new float[n], g = new float[n], b = new float[n], m = new float[n], v = new float[n];
        Arrays.fill(p, 0.7311f);
        Arrays.fill(g, -0.1234567f);
        Arrays.fill(b, 0.05f);
        Arrays.fill(m, 0.0123f);
        Arrays.fill(v, 0.000917f);
        for (int t = 1; t <= 3; t++) {
            UpdateKernels32.sgd(p, g, b, n, 0.1, 0.9, 0, 0.01, true, false);
            UpdateKernels32.adam(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-8, 0.01, t == 2, 1 - Math.pow(0.9, t), Math.sqrt(1 - Math.pow(0.999, t)));
        }
        for (float[] a : new float[][] {p, b, m, v}) {
            for (int i = 1; i < n; i++) assertEquals(Float.floatToRawIntBits(a[0]), Float.floatToRawIntBits(a[i]), "index " + i);
        }
    }

    /** A digest of the float32 updates' bits on fixed inputs; run interpreted in a child JVM by the test below. */
    static String digest() {
        int n = 1031;
        Random r = new Random(42);
        float[] p = random(r, n, -1, 1), g = random(r, n, -2, 2), b = new float[n], m = new float[n], v = new float[n];
        for (int t = 1; t <= 3; t++) {
            UpdateKernels32.sgd(p, g, b, n, 0.01, 0.9, 0.1, 0.01, false, t == 1);
            UpdateKernels32.adam(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-8, 0.01, t == 2, 1 - Math.pow(0.9, t), Math.sqrt(1 - Math.pow(0.999, t)));
        }
        return Arrays.hashCode(p) + "," + Arrays.hashCode(b) + "," + Arrays.hashCode(m) + "," + Arrays.hashCode(v);
    }

    public static void main(String[] args) {
        System.out.println("digest " + digest());
    }

    @Test
    void updatesGiveTheSameBitsInterpretedAndCompiled() throws Exception {
        for (int i = 0; i < 3000; i++) digest(); // let the JIT compile the kernels
        String compiled = "digest " + digest();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xint", "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                UpdateKernelsTest.class.getName()).redirectErrorStream(true).start();
        p.waitFor(300, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(compiled, out.lines().filter(l -> l.startsWith("digest ")).findFirst().orElse(out));
    }
}

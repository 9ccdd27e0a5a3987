package io.elbo.autodiff.backend;

import static io.elbo.autodiff.backend.Float32Checks.assertClose;
import static io.elbo.autodiff.backend.Float32Checks.random;
import static io.elbo.autodiff.backend.Float32Checks.widen;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * Flush-to-zero of the optimisers' state: a moment whose gradient has become zero decays by β each step, and where
     * it falls below the smallest normal number it is stored as zero, in float32 (vector body and
     * padded tail, n = 1031) and in float64, for Adam's m and v and SGD's momentum buffer. Gradual underflow would
     * instead leave m = k·2⁻¹⁴⁹ (k ≤ 4) unchanged by m·0.9 for ever; the test checks that it would (so the flush is
     * what makes the moments reach zero), that no stored value is ever subnormal, and that the parameters get the
     * same bits as with the unflushed formula (the flushed term is far below half an ulp of p).
     */
    @Test
    void momentsFallingBelowTheSmallestNormalAreStoredAsZero() {
        float stuck = 3 * Float.MIN_VALUE;
        assertEquals(stuck, stuck * 0.9f, "round-to-nearest keeps 3·2⁻¹⁴⁹·0.9 at 3·2⁻¹⁴⁹");
        int n = 1031;
        float[] p = new float[n], g = new float[n], b = new float[n], m = new float[n], v = new float[n];
        double[] p64 = new double[n], g64 = new double[n], b64 = new double[n], m64 = new double[n], v64 = new double[n];
        float[] pUnflushed = new float[n];
        for (int i = 0; i < n; i++) {
            float sign = i % 2 == 0 ? 1 : -1;
            p[i] = pUnflushed[i] = sign * 0.25f;
            p64[i] = sign * 0.25;
            m[i] = sign * 1e-30f;
            b[i] = sign * 1e-30f;
            v[i] = 1e-36f;
            m64[i] = sign * 1e-300;
            b64[i] = sign * 1e-300;
            v64[i] = 1e-305;
        }
        float mU = 1e-30f;
        for (int t = 1; t <= 400; t++) {
            double c1 = 1 - Math.pow(0.9, t), c2 = Math.sqrt(1 - Math.pow(0.999, t));
            UpdateKernels32.adam(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-8, 0, false, c1, c2);
            UpdateKernels32.sgd(p, g, b, n, 0.1, 0.9, 0, 0, false, false);
            ReferenceKernels64.INSTANCE.adamUpdate(p64, g64, m64, v64, n, 1e-3, 0.9, 0.999, 1e-8, 0, false, c1, c2);
            ReferenceKernels64.INSTANCE.sgdUpdate(p64, g64, b64, n, 0.1, 0.9, 0, 0, false, false);
            mU = mU * 0.9f; // the unflushed moment, element 0
            for (int i = 0; i < n; i++) {
                for (float x : new float[] {m[i], v[i], b[i]}) assertFalse(x != 0 && Math.abs(x) < Float.MIN_NORMAL, "subnormal at step " + t);
                for (double x : new double[] {m64[i], v64[i], b64[i]}) assertFalse(x != 0 && Math.abs(x) < Double.MIN_NORMAL, "subnormal at step " + t);
            }
        }
        assertTrue(mU != 0 && mU < Float.MIN_NORMAL, "without the flush element 0's m would be stuck subnormal: " + mU);
        for (int i = 0; i < n; i++) {
            float sign = i % 2 == 0 ? 1 : -1;
            assertTrue(m[i] == 0 && b[i] == 0 && m64[i] == 0 && b64[i] == 0, "m and the momentum buffer reach zero at " + i);
            assertEquals(Float.floatToRawIntBits(pUnflushed[i]), Float.floatToRawIntBits(p[i]), "p at " + i);
            assertEquals(sign * 0.25, p64[i], "float64 p at " + i);
        }
        assertTrue(v[0] > 0 && v[0] >= Float.MIN_NORMAL && v[0] == v[n - 1], "v (decaying by 0.999) is still normal and the same everywhere: " + v[0]);
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

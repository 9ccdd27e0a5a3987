package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.backend.Backend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A float64 program runs on a JVM started without {@code --add-modules jdk.incubator.vector} (on the
 * reference kernels), and float32 there fails with one line saying how to launch. Its main runs in a
 * child JVM started without the flag.
 */
class WithoutTheVectorApiTest {
    /** A float64 program: a gradient, a gradient check, and then an attempt at float32. */
    public static void main(String[] args) {
        System.out.println("vector api " + Backend.VECTOR_API);
        Tensor x = Tensor.of(new double[] {0.5, -1, 2}).variable();
        Tensor y = Fused.linearRelu(x.reshape(1, 3), Tensor.of(new double[][] {{1, 2, 3}, {-1, 0, 1}}), Tensor.of(new double[] {0.1, 2}));
        y.sum().backward();
        GradCheck.of("tanh of a product", in -> in[0].mul(in[1]).tanh().sum()).secondOrder(true).check(x.detach(), Tensor.of(new double[] {1, 2, 3}));
        System.out.println("float64 ok " + x.grad());
        try {
            Tensor.zeros(DType.FLOAT32, 2);
            System.out.println("float32 ran");
        } catch (Backend.VectorApiUnavailableException e) {
            System.out.println("float32: " + e.getMessage());
        }
    }

    @Test
    void float64RunsWithoutTheModuleAndFloat32SaysHowToLaunch() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), WithoutTheVectorApiTest.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals("vector api false", lines.get(0), out);
        assertEquals("float64 ok tensor([0., 2., 4.], shape=[3], dtype=float64)", lines.get(1), out);
        assertEquals("float32: " + Backend.HOW_TO_LAUNCH, lines.get(2), out);
        assertTrue(Backend.HOW_TO_LAUNCH.contains("--add-modules jdk.incubator.vector") && !Backend.HOW_TO_LAUNCH.contains("\n"));
        assertFalse(out.contains("\tat "), "no stack trace: " + out);
        assertEquals(3, lines.size(), out);
    }
}

package io.elbo.bench;

import io.elbo.autodiff.backend.Backend;
import io.elbo.autodiff.backend.ConvGeometry;
import io.elbo.autodiff.backend.Kernels;
import io.elbo.autodiff.backend.Threads;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The float32 convolutions of the conv VAE (issue 30's model, TensorFlow's CVAE tutorial's shape) at batch 128:
 * each layer's forward pass, input gradient and weight gradient. A layer is named as in the model:
 * <ul>
 *   <li>{@code enc1}: Conv(1→32, 3, stride 2, pad 1), 28×28 → 14×14;
 *   <li>{@code enc2}: Conv(32→64, 3, stride 2, pad 1), 14×14 → 7×7;
 *   <li>{@code dec1}: ConvT(32→64, 3, stride 2, pad 1, output pad 1), 7×7 → 14×14;
 *   <li>{@code dec2}: ConvT(64→32, 3, stride 2, pad 1, output pad 1), 14×14 → 28×28;
 *   <li>{@code dec3}: ConvT(32→1, 3, stride 1, pad 1), 28×28 → 28×28.
 * </ul>
 * A convolution's forward pass is {@code conv2d}, its input gradient {@code convTranspose2d} and its weight
 * gradient {@code conv2dWeight}; a transposed convolution's are {@code convTranspose2d}, {@code conv2d} and
 * {@code conv2dWeight} with the two sides swapped. All three do the layer's N·O·OH·OW·C·kh·kw multiply-adds, so
 * GFLOP/s = 2·(that count) / (µs per op · 1000), printed by setup as "flop" per op; {@code bench/conv_table.py} turns
 * JMH's JSON into a table of GFLOP/s. Setup checks the kernel against
 * the float64 reference first, so a wrong kernel cannot be timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class ConvBench {
    @Param({"enc1", "enc2", "dec1", "dec2", "dec3"})
    public String layer;

    @Param({"forward", "inputGradient", "weightGradient"})
    public String pass;

    @Param({"2"})
    public int threads;

    static final int BATCH = 128;

    /** The convolution each layer is (a transposed one is the adjoint of this geometry), and whether it is transposed. */
    static ConvGeometry geometry(String layer) {
        return switch (layer) {
            case "enc1" -> ConvGeometry.of(BATCH, 1, 28, 28, 32, 3, 3, 2, 1);
            case "enc2" -> ConvGeometry.of(BATCH, 32, 14, 14, 64, 3, 3, 2, 1);
            case "dec1" -> ConvGeometry.of(BATCH, 64, 14, 14, 32, 3, 3, 2, 1); // 7×7×32 → 14×14×64
            case "dec2" -> ConvGeometry.of(BATCH, 32, 28, 28, 64, 3, 3, 2, 1); // 14×14×64 → 28×28×32
            case "dec3" -> ConvGeometry.of(BATCH, 1, 28, 28, 32, 3, 3, 1, 1);  // 28×28×32 → 28×28×1
            default -> throw new IllegalArgumentException("unknown layer " + layer);
        };
    }

    /** The kernel a pass of a layer runs: 0 conv2d, 1 convTranspose2d, 2 conv2dWeight. */
    static int kernel(String layer, String pass) {
        boolean transposed = layer.startsWith("dec");
        return switch (pass) {
            case "forward" -> transposed ? 1 : 0;
            case "inputGradient" -> transposed ? 0 : 1;
            case "weightGradient" -> 2;
            default -> throw new IllegalArgumentException("unknown pass " + pass);
        };
    }

    ConvGeometry g;
    int kernel;
    float[] big, small, w, out;
    final Kernels<float[]> k32 = Backend.float32();

    @Setup(Level.Trial)
    public void setup() {
        g = geometry(layer);
        kernel = kernel(layer, pass);
        SplittableRandom r = new SplittableRandom(layer.hashCode());
        big = random(r, g.batch() * g.channels() * g.inPixels());
        small = random(r, g.batch() * g.outChannels() * g.outPixels());
        w = random(r, g.outChannels() * g.patch());
        out = new float[kernel == 0 ? small.length : kernel == 1 ? big.length : w.length];
        Threads.set(threads);
        run();
        double[] ref = new double[out.length];
        Kernels<double[]> k64 = Backend.float64();
        switch (kernel) {
            case 0 -> k64.conv2d(widen(big), widen(w), null, ref, g);
            case 1 -> k64.convTranspose2d(widen(small), widen(w), null, ref, g);
            default -> k64.conv2dWeight(widen(big), widen(small), ref, g);
        }
        int terms = kernel == 0 ? g.patch() : kernel == 1 ? g.outChannels() * g.kernelH() * g.kernelW() : g.batch() * g.outPixels();
        double u = Math.ulp(1f) / 2;
        for (int i = 0; i < ref.length; i++) {
            if (Math.abs(ref[i] - out[i]) > 2 * (terms + 2) * u * terms) { // |terms| ≤ 1
                throw new IllegalStateException(layer + " " + pass + ": element " + i + " = " + out[i] + ", float64 reference " + ref[i]);
            }
        }
        System.out.printf("%n%s %s: %d flop per op%n", layer, pass, 2 * g.multiplyAdds());
    }

    static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (2 * r.nextDouble() - 1);
        return a;
    }

    static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    @Benchmark
    public float[] run() {
        switch (kernel) {
            case 0 -> k32.conv2d(big, w, null, out, g);
            case 1 -> k32.convTranspose2d(small, w, null, out, g);
            default -> k32.conv2dWeight(big, small, out, g);
        }
        return out;
    }
}

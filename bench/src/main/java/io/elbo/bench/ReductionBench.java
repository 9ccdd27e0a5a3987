package io.elbo.bench;

import io.elbo.autodiff.backend.Backend;
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
 * The float32 reductions of a W1 step, whose order is fixed by 16 partial sums whatever the lane count:
 * the loss's sum of a 128 × 784 batch to one value ({@code sumInto} with zero strides), each row of it
 * to one value per image, and the sum of squares of W1's 652 824 parameters (gradient clipping's norm).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class ReductionBench {
    @Param({"sumAll", "sumRows", "sumOfSquares"})
    public String op;

    float[] x, dst, squares;

    @Setup(Level.Trial)
    public void setup() {
        Threads.set(1);
        SplittableRandom r = new SplittableRandom(1);
        x = new float[128 * 784];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        squares = new float[652_824];
        for (int i = 0; i < squares.length; i++) squares[i] = (float) r.nextDouble(-0.1, 0.1);
        dst = new float[128];
    }

    @Benchmark
    public double reduce() {
        switch (op) {
            case "sumAll" -> Backend.float32().sumInto(x, new int[] {128, 784}, dst, new int[] {0, 0});
            case "sumRows" -> Backend.float32().sumInto(x, new int[] {128, 784}, dst, new int[] {1, 0});
            default -> {
                return Backend.float32().sumOfSquares(squares, squares.length);
            }
        }
        return dst[0];
    }
}

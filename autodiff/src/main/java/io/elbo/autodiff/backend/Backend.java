package io.elbo.autodiff.backend;

/**
 * The one place that chooses which {@link Kernels} compute a dtype, at run time:
 *
 * <ul>
 *   <li>float32: {@link VectorKernels32}, which needs the JDK Vector API. Without it, {@link #float32()}
 *       throws a {@link VectorApiUnavailableException} whose one-line message says how to launch.
 *   <li>float64: {@link ParallelKernels64} (threads and a blocked GEMM) when the Vector API is present,
 *       else {@link ReferenceKernels64}, the textbook loops; inside a {@link #reference()} scope always
 *       the reference (this is how {@code GradCheck} runs).
 * </ul>
 *
 * <p>The Vector API classes are loaded only when float32 is first used, so a float64 program runs on a
 * JVM started without {@code --add-modules jdk.incubator.vector}.
 */
public final class Backend {
    private Backend() {}

    /** Whether this JVM was started with {@code --add-modules jdk.incubator.vector}. */
    public static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** How to launch with the Vector API, in one line. */
    public static final String HOW_TO_LAUNCH = "float32 needs the JDK Vector API: start java with"
            + " --add-modules jdk.incubator.vector (jshell: jshell -R--add-modules=jdk.incubator.vector"
            + " --add-modules jdk.incubator.vector; Maven exec: put the flag in the JVM arguments; Gradle:"
            + " jvmArgs); float64 runs without it";

    /** Thrown when float32 is used on a JVM without the Vector API module. */
    public static final class VectorApiUnavailableException extends UnsupportedOperationException {
        private static final long serialVersionUID = 1L;

        VectorApiUnavailableException() {
            super(HOW_TO_LAUNCH);
        }
    }

    private static final ThreadLocal<int[]> REFERENCE_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /** Loaded on first use only: touching it loads the Vector API. */
    private static final class Fast {
        static final VectorKernels32 FLOAT32 = new VectorKernels32();
        static final ParallelKernels64 FLOAT64 = new ParallelKernels64();
    }

    /** The float32 kernels. */
    public static Kernels<float[]> float32() {
        if (!VECTOR_API) throw new VectorApiUnavailableException();
        return Fast.FLOAT32;
    }

    /**
     * The CPU and how the float32 kernels fit it, for a log line beside timings: model name, vendor,
     * family and model (from /proc/cpuinfo where there is one), float lanes per vector and the GEMM's
     * kernel parameters with how they were chosen, e.g. "AMD EPYC (AuthenticAMD family 25 model 1), 8 float
     * lanes, GEMM tile 8x1, kc 1024, packed; 4x3/1024/in-place for thin products (cached in ~/.cache/elbo/…)".
     * It never measures: without a forced or cached choice it names the default ("the default: not measured
     * on this machine yet"), which {@link #adoptMeasuredKernels} may replace.
     */
    public static String machine() {
        if (!VECTOR_API) return System.getProperty("os.arch") + ", no Vector API (float64 reference kernels)";
        return Gemm32.describe();
    }

    /**
     * Starts measuring the GEMM's kernel parameters on a daemon thread where this machine's are neither
     * forced nor cached (see {@code GemmTuner}): for work long enough to pay for it (a full warm-up). The
     * products go on with the default meanwhile; {@link #adoptMeasuredKernels} takes the outcome.
     * Returns whether a measurement started.
     */
    public static boolean measureKernelsInBackground() {
        return VECTOR_API && GemmTuner.measureInBackground();
    }

    /**
     * At a safe point (before a training's first step), the background measurement's parameters become
     * this process's if it has finished (the bits of no result change). Returns the parameters in use
     * and how they were arrived at, for a log line, or null where no measurement was started.
     */
    public static String adoptMeasuredKernels() {
        return VECTOR_API ? GemmTuner.adopt() : null;
    }

    /** The float64 kernels: the parallel ones, or the reference without the Vector API or in a {@link #reference()} scope. */
    public static Kernels<double[]> float64() {
        return VECTOR_API && REFERENCE_DEPTH.get()[0] == 0 ? Fast.FLOAT64 : ReferenceKernels64.INSTANCE;
    }

    /** A scope in which float64 ops on this thread use the reference kernels: {@code try (var ref = Backend.reference()) { ... }}. */
    public static Scope reference() {
        REFERENCE_DEPTH.get()[0]++;
        return new Scope();
    }

    /** Closes a {@link #reference()} scope. */
    public static final class Scope implements AutoCloseable {
        private boolean closed;

        private Scope() {}

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                REFERENCE_DEPTH.get()[0]--;
            }
        }
    }
}

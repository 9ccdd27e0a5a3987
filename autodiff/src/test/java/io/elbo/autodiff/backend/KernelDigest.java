package io.elbo.autodiff.backend;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Runs every float32 kernel on fixed inputs and prints a digest of the output bits per kernel. Its
 * main runs in a separate interpreted JVM ({@code -Xint}) for {@link KernelDeterminismTest}.
 */
public final class KernelDigest {
    private KernelDigest() {}

    static final Kernels<float[]> K = Backend.float32();

    static Map<String, Integer> digests() {
        int n = 1031;
        Random r = new Random(42);
        float[] x = new float[n], y = new float[n], pos = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((r.nextDouble() - 0.5) * 60);
            y[i] = (float) ((r.nextDouble() - 0.5) * 4);
            pos[i] = (float) Math.exp((r.nextDouble() - 0.5) * 40);
        }
        Map<String, Integer> d = new LinkedHashMap<>();
        float[] out = new float[n];
        K.exp(x, out, n); d.put("exp", hash(out));
        K.log(pos, out, n); d.put("log", hash(out));
        K.log1p(pos, out, n); d.put("log1p", hash(out));
        K.sigmoid(x, out, n); d.put("sigmoid", hash(out));
        K.tanh(y, out, n); d.put("tanh", hash(out));
        K.softplus(x, out, n); d.put("softplus", hash(out));
        K.sin(x, out, n); d.put("sin", hash(out));
        K.cos(x, out, n); d.put("cos", hash(out));
        K.powScalar(pos, 1.7, out, n); d.put("powScalar", hash(out));
        K.pow(pos, y, out, n); d.put("pow", hash(out));
        float[] s = new float[1];
        K.sumInto(x, new int[] {n}, s, new int[] {0}); d.put("sum", hash(s));
        float[] c = new float[31 * 29];
        K.matmul(x, 0, false, y, 0, true, c, 0, 31, 29, 33); d.put("matmul A·Bᵀ", hash(c));
        K.matmul(x, 0, false, y, 0, false, c, 0, 31, 29, 33); d.put("matmul A·B", hash(c));
        K.matmul(x, 0, false, y, 0, true, c, 0, 16, 16, 16); d.put("matmul A·Bᵀ k=16", hash(c));
        K.matmul(x, 0, true, y, 0, false, c, 0, 16, 16, 16); d.put("matmul Aᵀ·B k=16", hash(c));
        d.put("sumOfSquares", Double.hashCode(K.sumOfSquares(x, n)));
        return d;
    }

    static int hash(float[] a) {
        int[] bits = new int[a.length];
        for (int i = 0; i < a.length; i++) bits[i] = Float.floatToRawIntBits(a[i]);
        return Arrays.hashCode(bits);
    }

    public static void main(String[] args) {
        System.out.println(digests());
    }
}

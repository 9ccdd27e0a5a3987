package io.elbo.autodiff;

import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The demo: a two-hidden-layer tanh network learns sin(x) on [−π, π] with nothing but the tape
 * and gradient descent with momentum, in float32. Run it with the README's first command.
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.err.println("error: the JDK Vector API is missing; launch with java --add-modules jdk.incubator.vector");
            System.exit(1);
        }
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(7L);
        DType f32 = DType.FLOAT32;
        int n = 256, h = 32;
        Tensor x = Tensor.arange(0, n, 1, f32).mul(2 * Math.PI / (n - 1)).sub(Math.PI).reshape(n, 1);
        Tensor y = x.sin();

        Tensor w1 = Tensor.uniform(rng, -1, 1, f32, 1, h).variable();
        Tensor b1 = Tensor.zeros(f32, h).variable();
        Tensor w2 = Tensor.uniform(rng, -1 / Math.sqrt(h), 1 / Math.sqrt(h), f32, h, h).variable();
        Tensor b2 = Tensor.zeros(f32, h).variable();
        Tensor w3 = Tensor.uniform(rng, -1 / Math.sqrt(h), 1 / Math.sqrt(h), f32, h, 1).variable();
        Tensor b3 = Tensor.zeros(f32, 1).variable();
        List<Tensor> params = List.of(w1, b1, w2, b2, w3, b3);

        System.out.println("Fitting sin(x) on [-pi, pi] with a 1-32-32-1 tanh network (float32, full-batch gradient descent with momentum 0.9)");
        double lr = 0.02, momentum = 0.9;
        float[][] velocity = new float[params.size()][];
        for (int j = 0; j < velocity.length; j++) velocity[j] = new float[params.get(j).numel()];
        long start = System.nanoTime();
        int steps = 3000;
        for (int step = 1; step <= steps; step++) {
            Tensor pred = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).tanh().matmul(w3).add(b3);
            Tensor loss = Ops.mse(pred, y);
            for (Tensor p : params) p.zeroGrad();
            loss.backward();
            for (int j = 0; j < params.size(); j++) {
                // v <- momentum*v + g;  p <- p - lr*v
                float[] p = params.get(j).floatData(), g = params.get(j).grad().floatData(), v = velocity[j];
                for (int i = 0; i < p.length; i++) {
                    v[i] = (float) momentum * v[i] + g[i];
                    p[i] -= (float) lr * v[i];
                }
            }
            if (step == 1 || step % 500 == 0) {
                System.out.printf("step %5d   mse %.6f%n", step, loss.item());
            }
        }
        System.out.printf("%d steps in %.2f s%n", steps, (System.nanoTime() - start) / 1e9);
        try (var off = Tape.noGrad()) {
            Tensor probe = Tensor.of(new float[] {-3f, -1.5f, 0f, 1.5f, 3f}, 5, 1);
            Tensor pred = probe.matmul(w1).add(b1).tanh().matmul(w2).add(b2).tanh().matmul(w3).add(b3);
            System.out.println("     x     sin(x)   network");
            for (int i = 0; i < 5; i++) {
                System.out.printf("%6.2f  %8.4f  %8.4f%n", probe.get(i, 0), Math.sin(probe.get(i, 0)), pred.get(i, 0));
            }
        }
    }
}

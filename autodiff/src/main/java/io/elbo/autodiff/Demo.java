package io.elbo.autodiff;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The demo: a two-hidden-layer tanh network learns sin(x) on [−π, π] with nothing but the tape
 * and gradient descent with momentum, in float32. Run it with the README's first command.
 */
public final class Demo {
    private Demo() {}

    /** Fits sin(x) on [−π, π] with a small tanh network and gradient descent, printing the loss as it falls. */
    public static void main(String[] args) {
        if (!io.elbo.autodiff.backend.Backend.VECTOR_API) {
            System.err.println("error: " + io.elbo.autodiff.backend.Backend.HOW_TO_LAUNCH);
            System.exit(1);
        }
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(7L);
        DType f32 = DType.FLOAT32;
        int n = 256, h = 32;
        Tensor x = Tensor.arange(0, n, 1, f32).mul(2 * Math.PI / (n - 1)).sub(Math.PI).reshape(n, 1);
        Tensor y = x.sin();

        Tensor[] params = {
            Tensor.uniform(rng, -1, 1, f32, 1, h).variable(), Tensor.zeros(f32, h).variable(),
            Tensor.uniform(rng, -1 / Math.sqrt(h), 1 / Math.sqrt(h), f32, h, h).variable(), Tensor.zeros(f32, h).variable(),
            Tensor.uniform(rng, -1 / Math.sqrt(h), 1 / Math.sqrt(h), f32, h, 1).variable(), Tensor.zeros(f32, 1).variable(),
        };

        System.out.println("Fitting sin(x) on [-pi, pi] with a 1-32-32-1 tanh network (float32, full-batch gradient descent with momentum 0.9)");
        double lr = 0.02, momentum = 0.9;
        Tensor[] velocity = new Tensor[params.length];
        for (int j = 0; j < params.length; j++) velocity[j] = Tensor.zeros(f32, params[j].shape());
        long start = System.nanoTime();
        int steps = 3000;
        for (int step = 1; step <= steps; step++) {
            Tensor loss = Ops.mse(net(params, x), y);
            loss.backward();
            try (var off = Tape.noGrad()) { // the update is not part of the function being differentiated
                for (int j = 0; j < params.length; j++) {
                    velocity[j] = velocity[j].mul(momentum).add(params[j].grad()); // v ← momentum·v + g
                    params[j] = params[j].sub(velocity[j].mul(lr)).variable();      // p ← p − lr·v, a new leaf
                }
            }
            if (step == 1 || step % 500 == 0) {
                System.out.printf("step %5d   mse %.6f%n", step, loss.item());
            }
        }
        System.out.printf("%d steps in %.2f s%n", steps, (System.nanoTime() - start) / 1e9);
        try (var off = Tape.noGrad()) {
            Tensor probe = Tensor.of(new float[] {-3f, -1.5f, 0f, 1.5f, 3f}, 5, 1);
            Tensor pred = net(params, probe);
            System.out.println("     x     sin(x)   network");
            for (int i = 0; i < 5; i++) {
                System.out.printf("%6.2f  %8.4f  %8.4f%n", probe.get(i, 0), Math.sin(probe.get(i, 0)), pred.get(i, 0));
            }
        }
    }

    /** tanh(tanh(x·W1 + b1)·W2 + b2)·W3 + b3. */
    static Tensor net(Tensor[] p, Tensor x) {
        return x.matmul(p[0]).add(p[1]).tanh().matmul(p[2]).add(p[3]).tanh().matmul(p[4]).add(p[5]);
    }
}

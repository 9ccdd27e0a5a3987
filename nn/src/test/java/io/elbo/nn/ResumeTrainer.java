package io.elbo.nn;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The training run of {@link ResumeTest}: minibatches drawn with the generator, Adam, float32.
 * Its main resumes from a checkpoint in a fresh JVM: {@code ResumeTrainer CHECKPOINT STEPS OUT}.
 */
public final class ResumeTrainer {
    static final int N = 64;

    final Sequential model;
    final Adam optimizer;
    final RestorableUniformRandomProvider rng;
    final Tensor x;
    final Tensor y;

    ResumeTrainer(long initSeed) {
        model = MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(initSeed), DType.FLOAT32, 2, 16, 16, 1)
                .activation(Activation::tanh).build();
        optimizer = Adam.adam(model.parameters(), 0.01);
        rng = RandomSource.XO_RO_SHI_RO_128_PP.create(99L);
        RestorableUniformRandomProvider data = RandomSource.XO_RO_SHI_RO_128_PP.create(5L);
        x = Tensor.uniform(data, -2, 2, DType.FLOAT32, N, 2);
        float[] t = new float[N];
        for (int i = 0; i < N; i++) t[i] = (float) Math.sin(x.get(i, 0) * x.get(i, 1));
        y = Tensor.of(t, N, 1);
    }

    /** Steps of minibatch Adam; each batch is 16 rows drawn with the generator. */
    void train(int steps) {
        for (int s = 0; s < steps; s++) {
            double[] xb = new double[16 * 2], yb = new double[16];
            for (int r = 0; r < 16; r++) {
                int i = rng.nextInt(N);
                xb[2 * r] = x.get(i, 0);
                xb[2 * r + 1] = x.get(i, 1);
                yb[r] = y.get(i, 0);
            }
            optimizer.zeroGrad();
            Ops.mse(model.forward(Tensor.fromArray(DType.FLOAT32, xb, 16, 2)), Tensor.fromArray(DType.FLOAT32, yb, 16, 1)).backward();
            optimizer.step();
        }
    }

    public static void main(String[] args) throws Exception {
        ResumeTrainer t = new ResumeTrainer(12345L); // a different initialisation: the checkpoint must overwrite it all
        Checkpoint.load(Path.of(args[0]), t.model, t.optimizer, t.rng);
        t.train(Integer.parseInt(args[1]));
        Checkpoint.save(Path.of(args[2]), t.model, t.optimizer, t.rng, Map.of());
    }
}

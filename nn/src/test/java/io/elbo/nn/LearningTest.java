package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Fused;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

/** A network built from these pieces really learns. */
class LearningTest {
    @Test
    void anMlpFitsSinOnMinusPiToPiToMseBelow1e3() {
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(1L);
        Tensor x = Tensor.arange(-Math.PI, Math.PI, 2 * Math.PI / 200, DType.FLOAT32).reshape(-1, 1);
        Tensor y;
        try (var off = Tape.noGrad()) {
            y = x.sin();
        }
        Sequential net = MLP.of(rng, DType.FLOAT32, 1, 32, 32, 1).activation(Activation::tanh).build();
        Adam opt = Adam.adam(net.parameters(), 0.01);
        Scheduler sched = new Scheduler(opt, LrSchedule.cosine(1500, 1e-4));
        double loss = Double.NaN;
        for (int step = 0; step < 1500; step++) {
            opt.zeroGrad();
            Tensor l = Ops.mse(net.forward(x), y);
            l.backward();
            opt.step();
            sched.step();
            loss = l.item();
        }
        try (var off = Tape.noGrad()) {
            loss = Ops.mse(net.forward(x), y).item();
        }
        assertTrue(loss < 1e-3, "mse after training: " + loss);
    }

    @Test
    void anMlpLearnsXor() {
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(3L);
        Tensor x = Tensor.of(new double[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
        Tensor t = Tensor.of(new double[] {0, 1, 1, 0}, 4, 1);
        Sequential net = MLP.of(rng, DType.FLOAT64, 2, 8, 1).activation(Activation::tanh).build();
        SGD opt = new SGD(net.parameters(), 0.5).momentum(0.9);
        for (int step = 0; step < 500; step++) {
            opt.zeroGrad();
            Fused.binaryCrossEntropyWithLogits(net.forward(x), t).mean().backward();
            opt.step();
        }
        try (var off = Tape.noGrad()) {
            double[] p = net.forward(x).sigmoid().toDoubleArray();
            for (int i = 0; i < 4; i++) assertEquals(t.get(i, 0), p[i], 0.1, "XOR row " + i + ": " + p[i]);
        }
    }
}

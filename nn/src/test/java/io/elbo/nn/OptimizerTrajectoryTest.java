package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.elbo.autodiff.DType;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.TestData;
import io.elbo.autodiff.InPlace;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every optimiser configuration of {@code test-data/torch/optim_reference.py} follows PyTorch's
 * trajectory over 20 steps: the loss before each step and every parameter after it agree to a
 * relative 1e-10 in float64.
 */
class OptimizerTrajectoryTest {
    static final JsonObject REF = load();

    static JsonObject load() {
        try {
            return JsonParser.parseString(Files.readString(TestData.path("torch", "optim_reference.json"))).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    record Config(Function<List<Parameter>, Optimizer> optimizer, Function<Optimizer, Scheduler> scheduler, double clip) {}

    static final Map<String, Config> CONFIGS = Map.ofEntries(
            Map.entry("sgd", new Config(p -> new SGD(p, 0.1), null, 0)),
            Map.entry("sgd_momentum", new Config(p -> new SGD(p, 0.05).momentum(0.9), null, 0)),
            Map.entry("sgd_momentum_dampening_weight_decay",
                    new Config(p -> new SGD(p, 0.05).momentum(0.9).dampening(0.1).weightDecay(0.01), null, 0)),
            Map.entry("sgd_nesterov_weight_decay",
                    new Config(p -> new SGD(p, 0.05).momentum(0.9).nesterov(true).weightDecay(0.001), null, 0)),
            Map.entry("adam", new Config(p -> Adam.adam(p, 0.01), null, 0)),
            Map.entry("adam_betas_eps_weight_decay", new Config(p -> Adam.adam(p, 0.01, 0.8, 0.99, 1e-6, 0.01), null, 0)),
            Map.entry("adamw", new Config(p -> Adam.adamW(p, 0.01), null, 0)),
            Map.entry("adamw_weight_decay", new Config(p -> Adam.adamW(p, 0.02, 0.9, 0.999, 1e-8, 0.1), null, 0)),
            Map.entry("sgd_momentum_step_lr",
                    new Config(p -> new SGD(p, 0.1).momentum(0.9), o -> new Scheduler(o, LrSchedule.step(5, 0.5)), 0)),
            Map.entry("adam_exponential_lr",
                    new Config(p -> Adam.adam(p, 0.02), o -> new Scheduler(o, LrSchedule.exponential(0.9)), 0)),
            Map.entry("adamw_cosine_lr",
                    new Config(p -> Adam.adamW(p, 0.02), o -> new Scheduler(o, LrSchedule.cosine(20, 0.001)), 0)),
            Map.entry("adam_linear_warmup",
                    new Config(p -> Adam.adam(p, 0.02), o -> new Scheduler(o, LrSchedule.linear(0.1, 1.0, 5)), 0)),
            Map.entry("sgd_momentum_clip_grad_norm", new Config(p -> new SGD(p, 0.5).momentum(0.5), null, 0.1)),
            Map.entry("adamw_warmup_then_cosine_lr", new Config(p -> Adam.adamW(p, 0.02),
                    o -> new Scheduler(o, LrSchedule.linear(0.2, 1.0, 3).then(3, LrSchedule.cosine(17, 0.001))), 0)));

    static double[] doubles(JsonArray a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsDouble();
        return v;
    }

    /** The reference problem's model, with PyTorch's initial values. */
    static Sequential model() {
        Sequential m = MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(0L), DType.FLOAT64, 3, 4, 2)
                .activation(Activation::tanh).build();
        JsonObject init = REF.getAsJsonObject("init");
        m.namedParameters().forEach((name, p) -> {
            double[] v = doubles(init.getAsJsonArray(name));
            InPlace.set(p.value(), v);
        });
        return m;
    }

    static Stream<String> configs() {
        return REF.getAsJsonObject("runs").keySet().stream();
    }

    @Test
    void everyReferenceRunHasItsConfiguration() {
        assertEquals(REF.getAsJsonObject("runs").keySet(), CONFIGS.keySet());
    }

    static void assertRelative(String what, double expected, double actual) {
        if (!(Math.abs(expected - actual) <= 1e-10 * Math.abs(expected) + 1e-300)) {
            fail(what + ": PyTorch " + expected + ", ours " + actual + " (relative difference "
                    + Math.abs(expected - actual) / Math.abs(expected) + ")");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void trajectoryEqualsPyTorchsOver20Steps(String name) {
        Config c = CONFIGS.get(name);
        JsonObject run = REF.getAsJsonObject("runs").getAsJsonObject(name);
        Sequential model = model();
        Optimizer opt = c.optimizer().apply(model.parameters());
        Scheduler sched = c.scheduler() == null ? null : c.scheduler().apply(opt);
        Tensor x = Tensor.of(doubles(REF.getAsJsonArray("x")), 8, 3);
        Tensor y = Tensor.of(doubles(REF.getAsJsonArray("y")), 8, 2);
        for (int step = 0; step < 20; step++) {
            opt.zeroGrad();
            Tensor loss = Ops.mse(model.forward(x), y);
            loss.backward();
            if (c.clip() > 0) {
                double norm = GradClip.clipGradNorm(model.parameters(), c.clip());
                assertRelative(name + " step " + step + " gradient norm", run.getAsJsonArray("grad_norms").get(step).getAsDouble(), norm);
            }
            opt.step();
            if (sched != null) sched.step();
            assertRelative(name + " step " + step + " loss", run.getAsJsonArray("losses").get(step).getAsDouble(), loss.item());
            double[] expected = doubles(run.getAsJsonArray("params").get(step).getAsJsonArray());
            int k = 0;
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                for (double v : e.getValue().value().toDoubleArray()) {
                    assertRelative(name + " step " + step + " " + e.getKey() + "[" + k + "]", expected[k], v);
                    k++;
                }
            }
        }
    }
}

package io.elbo.spark;

import io.elbo.vae.VAE;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.rng.simple.RandomSource;

/** A worker thread's model: built once per thread and architecture, its parameters overwritten every step. */
final class Workers {
    private Workers() {}

    private static final ThreadLocal<Map<ModelSpec, VAE>> MODELS = ThreadLocal.withInitial(HashMap::new);

    /** This thread's model of {@code spec} (its initial values do not matter: the driver's parameters are loaded into it). */
    static VAE model(ModelSpec spec) {
        return MODELS.get().computeIfAbsent(spec, s -> new VAE(s.config(), RandomSource.XO_RO_SHI_RO_128_PP.create(s.seed())));
    }
}

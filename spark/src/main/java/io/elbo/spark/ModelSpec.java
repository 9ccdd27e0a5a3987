package io.elbo.spark;

import io.elbo.vae.VAE;
import java.io.Serializable;

/**
 * What a worker needs to rebuild the model and its objective: the model's configuration and the
 * objective's options as the run configuration derives them (both serializable records), and the seed.
 * The driver sends it once; parameters every step. Workers cache one model per spec (records compare by value).
 *
 * @param config  the model's architecture
 * @param options the objective's options
 * @param seed    the run's seed, from which every shard's random numbers derive
 * @serial exclude
 */
public record ModelSpec(VAE.Config config, VAE.ElboOptions options, long seed) implements Serializable {
    /** The spec of a model and objective. */
    public static ModelSpec of(VAE.Config config, VAE.ElboOptions options, long seed) {
        return new ModelSpec(config, options, seed);
    }
}

package io.elbo.vae;

import io.elbo.autodiff.DType;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The parts a {@link VAE} is made of, each registered here, once, by the name the command line and the
 * run configuration use ({@code vae train --likelihood NAME}); {@code python/elbo_vae.py} mirrors this
 * list. Adding a likelihood, posterior or prior is one class and one line below.
 */
public final class Parts {
    private Parts() {}

    /** What a part is built for: the data's dimension D, the code's K, the encoder's feature width H, the dtype, σ of gaussian-fixed. */
    public record Shape(int inputDim, int latent, int features, DType dtype, double sigma) {}

    /** A registered part: its name, one line of help, and how to build it. */
    public record Entry<T>(String name, String help, Builder<T> builder) {}

    /** Builds a part; {@code rng} initialises its parameters, if it has any. */
    @FunctionalInterface
    public interface Builder<T> {
        /** The part for {@code shape}, its parameters (if any) initialised from {@code rng}. */
        T build(Shape shape, UniformRandomProvider rng);
    }

    /** p(x | decoder output). */
    public static final List<Entry<Likelihood>> LIKELIHOODS = List.of(
            new Entry<>("bernoulli", "Bernoulli logits (BCE; the PyTorch example)", (s, r) -> new BernoulliLikelihood()),
            new Entry<>("continuous-bernoulli", "continuous Bernoulli: a density on [0,1]", (s, r) -> new ContinuousBernoulliLikelihood()),
            new Entry<>("gaussian", "Gaussian, one learned σ", (s, r) -> GaussianLikelihood.learned(s.dtype(), 1)),
            new Entry<>("gaussian-pixel", "Gaussian, a learned σ per pixel", (s, r) -> GaussianLikelihood.learned(s.dtype(), s.inputDim())),
            new Entry<>("gaussian-fixed", "Gaussian, σ fixed by --sigma", (s, r) -> GaussianLikelihood.fixed(s.sigma())));

    /** q(z|x), with the encoder heads that parameterise it. */
    public static final List<Entry<PosteriorHead>> POSTERIORS = List.of(
            new Entry<>("gaussian", "diagonal Gaussian (μ and log σ² heads)", (s, r) -> new GaussianPosterior.Head(s.features(), s.latent(), r,
                    s.dtype())));

    /** p(z). */
    public static final List<Entry<Prior>> PRIORS = List.of(
            new Entry<>("standard-normal", "N(0, I)", (s, r) -> new StandardNormalPrior()));

    /** The parameters a model's parts own (the posterior's heads, the likelihood's own), counted on parts built for its sizes. */
    public static long parameterCount(VAE.Config c) {
        Shape s = c.shape();
        UniformRandomProvider rng = Streams.of(0, 0);
        return named(POSTERIORS, "posterior", c.posterior()).builder().build(s, rng).parameterCount()
                + named(LIKELIHOODS, "likelihood", c.likelihood()).builder().build(s, rng).parameterCount();
    }

    /** The entry named {@code name}, or one line naming the kind and the choices. */
    public static <T> Entry<T> named(List<Entry<T>> entries, String kind, String name) {
        for (Entry<T> e : entries) if (e.name().equals(name)) return e;
        throw new IllegalArgumentException("unknown " + kind + " '" + name + "' (" + choices(entries) + ")");
    }

    /** The registered names, as "a, b or c". */
    public static String choices(List<? extends Entry<?>> entries) {
        List<String> names = new ArrayList<>();
        for (Entry<?> e : entries) names.add(e.name());
        if (names.size() == 1) return names.get(0);
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }
}

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

    /**
     * A registered part: its name, the name of the argument it takes after a colon ({@code "K"} in
     * {@code planar:K}; null: none), one line of help, and how to build it.
     */
    public record Entry<T>(String name, String argument, String help, Builder<T> builder) {
        /** A part that takes no argument. */
        public Entry(String name, String help, Builder<T> builder) {
            this(name, null, help, builder);
        }

        /** Its name as the command line writes it: {@code gaussian}, {@code planar:K}. */
        public String usage() {
            return argument == null ? name : name + ":" + argument;
        }
    }

    /** Builds a part; {@code rng} initialises its parameters, if it has any. */
    @FunctionalInterface
    public interface Builder<T> {
        /** The part for {@code shape} with its argument (null when it takes none), its parameters (if any) initialised from {@code rng}. */
        T build(Shape shape, String argument, UniformRandomProvider rng);
    }

    /** p(x | decoder output). */
    public static final List<Entry<Likelihood>> LIKELIHOODS = List.of(
            new Entry<>("bernoulli", "Bernoulli logits (BCE; the PyTorch example)", (s, a, r) -> new BernoulliLikelihood()),
            new Entry<>("continuous-bernoulli", "continuous Bernoulli: a density on [0,1]", (s, a, r) -> new ContinuousBernoulliLikelihood()),
            new Entry<>("gaussian", "Gaussian, one learned σ", (s, a, r) -> GaussianLikelihood.learned(s.dtype(), 1)),
            new Entry<>("gaussian-pixel", "Gaussian, a learned σ per pixel", (s, a, r) -> GaussianLikelihood.learned(s.dtype(), s.inputDim())),
            new Entry<>("gaussian-fixed", "Gaussian, σ fixed by --sigma", (s, a, r) -> GaussianLikelihood.fixed(s.sigma())));

    /** q(z|x), with the encoder heads that parameterise it. */
    public static final List<Entry<PosteriorHead>> POSTERIORS = List.of(
            new Entry<>("gaussian", "diagonal Gaussian (μ and log σ² heads)", (s, a, r) -> new GaussianPosterior.Head(s.features(), s.latent(), r,
                    s.dtype())),
            new Entry<>("planar", "K", "a diagonal Gaussian and K planar flow steps, amortised (Rezende & Mohamed 2015)",
                    (s, a, r) -> new PlanarFlowPosterior.Head(s.features(), s.latent(), PlanarFlowPosterior.steps(a), r, s.dtype())),
            new Entry<>("iaf", "K", "a diagonal Gaussian and K inverse autoregressive flow steps (Kingma et al. 2016)",
                    (s, a, r) -> new IafPosterior.Head(s.features(), s.latent(), IafPosterior.steps(a), r, s.dtype())));

    /** p(z). */
    public static final List<Entry<Prior>> PRIORS = List.of(
            new Entry<>("standard-normal", "N(0, I)", (s, a, r) -> new StandardNormalPrior()));

    /** The parameters a model's parts own (the posterior's heads, the likelihood's own), counted on parts built for its sizes. */
    public static long parameterCount(VAE.Config c) {
        Shape s = c.shape();
        UniformRandomProvider rng = Streams.of(0, 0);
        return build(POSTERIORS, "posterior", c.posterior(), s, rng).parameterCount()
                + build(LIKELIHOODS, "likelihood", c.likelihood(), s, rng).parameterCount();
    }

    /**
     * The entry a command-line spec names ({@code gaussian}, {@code planar:8}), its argument checked by building a
     * throwaway of nothing: one line naming the kind and the choices when the name is unknown, the argument
     * missing, or one given to a part that takes none.
     */
    public static <T> Entry<T> named(List<Entry<T>> entries, String kind, String spec) {
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon), argument = colon < 0 ? null : spec.substring(colon + 1);
        for (Entry<T> e : entries) {
            if (!e.name().equals(name)) continue;
            if (e.argument() == null && argument != null) {
                throw new IllegalArgumentException(kind + " '" + name + "' takes no argument, got '" + spec + "'");
            }
            if (e.argument() != null && (argument == null || argument.isEmpty())) {
                throw new IllegalArgumentException(kind + " '" + name + "' needs its " + e.argument() + ": " + e.usage());
            }
            return e;
        }
        throw new IllegalArgumentException("unknown " + kind + " '" + spec + "' (" + choices(entries) + ")");
    }

    /** The part a command-line spec names, built for {@code shape}. */
    public static <T> T build(List<Entry<T>> entries, String kind, String spec, Shape shape, UniformRandomProvider rng) {
        int colon = spec.indexOf(':');
        return named(entries, kind, spec).builder().build(shape, colon < 0 ? null : spec.substring(colon + 1), rng);
    }

    /** The registered names as the command line writes them, as "a, b or c". */
    public static String choices(List<? extends Entry<?>> entries) {
        List<String> names = new ArrayList<>();
        for (Entry<?> e : entries) names.add(e.usage());
        if (names.size() == 1) return names.get(0);
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }
}

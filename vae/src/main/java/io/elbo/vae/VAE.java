package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.backend.Arena;
import io.elbo.nn.Activation;
import io.elbo.nn.MLP;
import io.elbo.nn.Module;
import io.elbo.nn.Optimizer;
import io.elbo.nn.Sequential;
import io.elbo.vae.data.Dataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * A variational autoencoder made of parts, each registered by name in {@link Parts}: the encoder, an
 * MLP (or, with {@code arch} "conv", the convolutions of {@link ConvNet}) whose features feed the
 * {@link PosteriorHead} of q(z|x) (by default a diagonal Gaussian with μ and log σ² heads); the decoder,
 * an MLP (or {@link ConvNet}'s transposed convolutions) from codes to the parameters of the {@link Likelihood}
 * p(x|z) (Bernoulli logits, continuous-Bernoulli logits, or a Gaussian mean with a fixed or learned
 * σ); and the {@link Prior} p(z) (by default N(0, I)).
 *
 * <p>Reductions, everywhere: log-densities are <b>summed over a datum's dimensions</b> (pixels,
 * latent coordinates) and <b>averaged over the batch</b> (and over the L samples of z). So
 * {@link Terms#elbo()} is in nats per datum, the number papers and PyTorch's example report.
 *
 * <p>Training steps and evaluations reuse their storage through the model's own {@link Arena}s, so
 * one model is trained or evaluated by one thread at a time.
 */
public final class VAE extends Module {
    /**
     * The architecture: sizes, the activation, and the parts by their registered names ({@link Parts});
     * {@code fixedSigma} is σ of the gaussian-fixed likelihood (unused by the others). Serializable, so a
     * data-parallel trainer ships it to its workers as it is.
     * @param inputDim D, the data's dimension (pixels)
     * @param hidden the hidden widths of the encoder (the decoder's are reversed)
     * @param latent K, the latent dimension
     * @param activation the hidden layers' activation, by name (relu, tanh, sigmoid, softplus)
     * @param likelihood the likelihood p(x|z), by its name in {@link Parts#LIKELIHOODS}
     * @param fixedSigma σ of the gaussian-fixed likelihood
     * @param dtype the parameters' dtype
     * @param posterior the posterior q(z|x), by its name in {@link Parts#POSTERIORS}
     * @param prior the prior p(z), by its name in {@link Parts#PRIORS}
     * @param upperLatents the sizes K₂, …, K_L of the stochastic layers above z₁ (K₁ = {@code latent}), bottom to
     *     top: empty for the one-layer model; see {@link #upperHidden(int)} for their deterministic blocks
     * @param arch the encoder's and decoder's architecture: {@code mlp} (the hidden widths) or {@code conv}
     *     ({@link ConvNet}: 28 × 28 single-channel images, no hidden widths)
     * @serial exclude
     */
    public record Config(int inputDim, int[] hidden, int latent, String activation, String likelihood, double fixedSigma, DType dtype,
                         String posterior, String prior, int[] upperLatents, String arch) implements java.io.Serializable {
        /** Checks the sizes, the activation and that every part's name is registered. */
        public Config {
            if (inputDim <= 0 || latent <= 0) throw new IllegalArgumentException("VAE: input and latent sizes must be positive");
            upperLatents = upperLatents == null ? new int[0] : upperLatents.clone();
            for (int k : upperLatents) {
                if (k <= 0) throw new IllegalArgumentException("VAE: latent sizes must be positive, got " + Arrays.toString(upperLatents));
            }
            for (int h : hidden) if (h <= 0) throw new IllegalArgumentException("VAE: hidden widths must be positive, got " + Arrays.toString(hidden));
            Parts.named(Parts.LIKELIHOODS, "likelihood", likelihood);
            Parts.build(Parts.POSTERIORS, "posterior", posterior, new Parts.Shape(1, 1, 1, DType.FLOAT64, 1), Streams.of(0)); // its argument too
            Parts.named(Parts.PRIORS, "prior", prior);
            if (likelihood.equals("gaussian-fixed") && !(fixedSigma > 0)) {
                throw new IllegalArgumentException("VAE: a fixed Gaussian σ must be positive, got " + fixedSigma);
            }
            Activation.named(activation); // validates the name
            ConvNet.checkArch(arch, inputDim, hidden);
            if (arch.equals(ConvNet.CONV) && upperLatents.length > 0) {
                throw new IllegalArgumentException("the conv architecture has one stochastic layer, got " + (upperLatents.length + 1));
            }
            hidden = hidden.clone();
        }

        /** A model of one stochastic layer with these parts and architecture ({@code mlp} or {@code conv}). */
        public Config(int inputDim, int[] hidden, int latent, String activation, String likelihood, double fixedSigma, DType dtype,
                      String posterior, String prior, String arch) {
            this(inputDim, hidden, latent, activation, likelihood, fixedSigma, dtype, posterior, prior, new int[0], arch);
        }

        /** An MLP model (the hidden widths) with these parts and stochastic layers above z₁. */
        public Config(int inputDim, int[] hidden, int latent, String activation, String likelihood, double fixedSigma, DType dtype,
                      String posterior, String prior, int[] upperLatents) {
            this(inputDim, hidden, latent, activation, likelihood, fixedSigma, dtype, posterior, prior, upperLatents, ConvNet.MLP);
        }

        /** A model with the default posterior (diagonal Gaussian) and prior (standard normal). */
        public Config(int inputDim, int[] hidden, int latent, String activation, String likelihood, double fixedSigma, DType dtype) {
            this(inputDim, hidden, latent, activation, likelihood, fixedSigma, dtype, "gaussian", "standard-normal");
        }

        /** An MLP model of one stochastic layer with these parts. */
        public Config(int inputDim, int[] hidden, int latent, String activation, String likelihood, double fixedSigma, DType dtype,
                      String posterior, String prior) {
            this(inputDim, hidden, latent, activation, likelihood, fixedSigma, dtype, posterior, prior, new int[0], ConvNet.MLP);
        }

        /** The hidden widths (a copy). */
        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        /** The sizes of the stochastic layers above z₁ (a copy). */
        @Override
        public int[] upperLatents() {
            return upperLatents.clone();
        }

        /** L, the number of stochastic layers (1 for the one-layer model). */
        public int layers() {
            return upperLatents.length + 1;
        }

        /** The sizes K₁, …, K_L of every stochastic layer, bottom (z₁, next to x) to top (z_L, under the prior). */
        public int[] latents() {
            int[] k = new int[layers()];
            k[0] = latent;
            System.arraycopy(upperLatents, 0, k, 1, upperLatents.length);
            return k;
        }

        /**
         * The hidden widths of the deterministic blocks of stochastic layer ℓ ≥ 2 (q(z_ℓ|z_{ℓ−1}) and, mirrored,
         * p(z_{ℓ−1}|z_ℓ)): as many layers as {@code hidden} has, each as wide as the layer below, K_{ℓ−1}. For
         * {@code --hidden 200,200 --latent 100,50} that is 100, 100: Burda et al.'s two-layer model.
         */
        public int[] upperHidden(int layer) {
            if (layer < 2 || layer > layers()) throw new IllegalArgumentException("VAE: no upper layer " + layer + " of " + layers());
            int[] w = new int[hidden.length];
            Arrays.fill(w, latents()[layer - 2]);
            return w;
        }

        /** The same architecture in another dtype. */
        public Config withDtype(DType other) {
            return new Config(inputDim, hidden, latent, activation, likelihood, fixedSigma, other, posterior, prior, upperLatents, arch);
        }

        /** The same parts with other hidden widths. */
        public Config withHidden(int[] widths) {
            return new Config(inputDim, widths, latent, activation, likelihood, fixedSigma, dtype, posterior, prior, upperLatents, arch);
        }

        /** What the parts are built for, given the encoder's feature width. */
        Parts.Shape shape() {
            int features = arch.equals(ConvNet.CONV) ? ConvNet.FEATURES : hidden.length == 0 ? inputDim : hidden[hidden.length - 1];
            return new Parts.Shape(inputDim, latent, features, dtype, fixedSigma);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && c.inputDim == inputDim && Arrays.equals(c.hidden, hidden) && c.latent == latent
                    && c.activation.equals(activation) && c.likelihood.equals(likelihood)
                    && Double.doubleToLongBits(c.fixedSigma) == Double.doubleToLongBits(fixedSigma) && c.dtype == dtype
                    && c.posterior.equals(posterior) && c.prior.equals(prior) && Arrays.equals(c.upperLatents, upperLatents)
                    && c.arch.equals(arch);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(inputDim, Arrays.hashCode(hidden), latent, activation, likelihood, fixedSigma, dtype, posterior, prior,
                    Arrays.hashCode(upperLatents), arch);
        }

        @Override
        public String toString() {
            return "Config[inputDim=" + inputDim + ", hidden=" + Arrays.toString(hidden) + ", latent=" + latent + ", activation=" + activation
                    + ", likelihood=" + likelihood + ", fixedSigma=" + fixedSigma + ", dtype=" + dtype + ", posterior=" + posterior
                    + ", prior=" + prior + ", upperLatents=" + Arrays.toString(upperLatents) + ", arch=" + arch + "]";
        }

        /** The model of PyTorch's VAE example: 784 → 400 → (20, 20); 20 → 400 → 784 logits, ReLU. */
        public static Config pytorchExample() {
            return new Config(784, new int[] {400}, 20, "relu", "bernoulli", 1, DType.FLOAT32);
        }
    }

    private final Config config;
    private final Sequential encoderBody;
    private final PosteriorHead posteriorHead;
    private final Sequential decoder;
    private final Likelihood likelihood;
    private final Prior prior;
    /** q(z_ℓ|z_{ℓ−1}) at index ℓ − 2, for ℓ = 2..L; empty for one stochastic layer. */
    private final List<GaussianLayer> up = new ArrayList<>();
    /** p(z_{ℓ−1}|z_ℓ) at index ℓ − 2, for ℓ = 2..L; empty for one stochastic layer. */
    private final List<GaussianLayer> down = new ArrayList<>();

    /**
     * A model for {@code config}, its parameters initialised from {@code rng} in this order: the encoder and the
     * posterior heads of q(z₁|x); with several stochastic layers, q(z_ℓ|z_{ℓ−1}) for ℓ = 2..L (parameters
     * {@code encoderℓ.i}, {@code muℓ}, {@code logvarℓ}) and p(z_{ℓ−1}|z_ℓ) for ℓ = L..2 ({@code decoderℓ.i},
     * {@code decoderℓ_mu}, {@code decoderℓ_logvar}); then the decoder of p(x|z₁) and the likelihood.
     */
    public VAE(Config config, UniformRandomProvider rng) {
        this.config = config;
        Supplier<Activation> act = () -> Activation.named(config.activation());
        int[] h = config.hidden();
        int[] encWidths = new int[h.length + 1];
        encWidths[0] = config.inputDim();
        System.arraycopy(h, 0, encWidths, 1, h.length);
        // The encoder body ends with an activation (each hidden layer has one); the posterior's heads are linear.
        List<io.elbo.nn.Module> body = new ArrayList<>();
        if (h.length > 0) {
            body.addAll(MLP.of(rng, config.dtype(), encWidths).activation(act).outputActivation(act).build().layers());
        }
        boolean conv = config.arch().equals(ConvNet.CONV); // then h is empty: no MLP layers, nothing drawn from rng above
        encoderBody = registerModule("encoder", conv ? ConvNet.encoder(act, rng, config.dtype()) : new Sequential(body));
        Parts.Shape shape = config.shape();
        posteriorHead = include(Parts.build(Parts.POSTERIORS, "posterior", config.posterior(), shape, rng));
        int[] k = config.latents();
        for (int l = 2; l <= k.length; l++) {
            up.add(include(new GaussianLayer("encoder" + l, "mu" + l, "logvar" + l, k[l - 2], config.upperHidden(l), k[l - 1], act, rng,
                    config.dtype())));
        }
        for (int l = k.length; l >= 2; l--) {
            int[] mirrored = config.upperHidden(l); // all one width: its own mirror
            down.add(0, include(new GaussianLayer("decoder" + l, "decoder" + l + "_mu", "decoder" + l + "_logvar", k[l - 1], mirrored, k[l - 2],
                    act, rng, config.dtype())));
        }
        int[] decWidths = new int[h.length + 2];
        decWidths[0] = config.latent();
        for (int i = 0; i < h.length; i++) decWidths[i + 1] = h[h.length - 1 - i];
        decWidths[decWidths.length - 1] = config.inputDim();
        decoder = registerModule("decoder", conv ? ConvNet.decoder(config.latent(), act, rng, config.dtype())
                : MLP.of(rng, config.dtype(), decWidths).activation(act).build());
        likelihood = include(Parts.build(Parts.LIKELIHOODS, "likelihood", config.likelihood(), shape, rng));
        prior = Parts.build(Parts.PRIORS, "prior", config.prior(), shape, rng);
    }

    /** The architecture this model was built from. */
    public Config config() {
        return config;
    }

    /** The likelihood part, p(x | decoder output). */
    public Likelihood likelihood() {
        return likelihood;
    }

    /** The prior part, p(z). */
    public Prior prior() {
        return prior;
    }

    /**
     * q(z|x) for a batch x [B, inputDim]: the encoder body's features through the posterior's heads. With several
     * stochastic layers this is q(z₁|x), the bottom layer's.
     */
    public Posterior encode(Tensor x) {
        if (x.rank() != 2 || x.dim(1) != config.inputDim()) {
            throw new IllegalArgumentException("VAE.encode: input " + Arrays.toString(x.shape()) + ", expected [batch, " + config.inputDim() + "]");
        }
        return posteriorHead.posterior(encoderBody.forward(x));
    }

    @Override
    public Tensor forward(Tensor x) {
        return reconstruct(x);
    }

    /** The decoder's output for latent codes [N, latent] (z₁ with several layers): the likelihood's parameters (logits, means), [N, inputDim]. */
    public Tensor decode(Tensor z) {
        return decoder.forward(z);
    }

    /** log p(x | decoded), summed over the pixels: [N] from x [N, D] and the decoder output [N, D]. */
    public Tensor logLikelihood(Tensor x, Tensor decoded) {
        return likelihood.logProb(x, decoded);
    }

    /** The mean of p(x | z) for the decoder's output (σ(logits) for Bernoulli, the mean for a Gaussian). */
    public Tensor mean(Tensor decoded) {
        return likelihood.mean(decoded);
    }

    /** The mean of p(x | z = the posterior's location): a deterministic reconstruction (through z₁ = the location of q(z₁|x)). */
    public Tensor reconstruct(Tensor x) {
        return mean(decode(encode(x).location()));
    }

    /**
     * n images decoded from the prior: the means of p(x | z), z ~ p(z). With several stochastic layers, an
     * ancestral sample: z_L ~ p(z_L), then z_{ℓ−1} ~ p(z_{ℓ−1}|z_ℓ) down to z₁, and the means of p(x | z₁).
     */
    public Tensor sample(int n, UniformRandomProvider rng) {
        try (var off = Tape.noGrad()) {
            int[] k = config.latents();
            Tensor z = prior.sample(rng, n, k[k.length - 1], config.dtype());
            for (int l = k.length; l >= 2; l--) z = down.get(l - 2).distribution(z).rsample(rng);
            return mean(decode(z));
        }
    }

    /**
     * The training objective: the ELBO with L samples, β, an analytic or sampled KL and a linear KL
     * warm-up, or, when {@code iwaeK} &gt; 1, the importance-weighted bound L_k (then the other fields
     * are unused).
     * @param samples L, the samples of z per datum
     * @param beta β, the KL's weight (after the warm-up)
     * @param analyticKl whether the KL is the closed form, where the posterior and prior have one, rather than sampled
     * @param klWarmupSteps the steps over which β rises linearly from 0 (0 for none)
     * @param iwaeK k, the importance samples of the IWAE bound (1 for the ELBO)
     * @serial exclude
     */
    public record ElboOptions(int samples, double beta, boolean analyticKl, int klWarmupSteps, int iwaeK) implements java.io.Serializable {
        /** Checks the options: at least 1 sample, β and the warm-up not negative, k at least 1. */
        public ElboOptions {
            if (samples < 1) throw new IllegalArgumentException("ELBO: need at least 1 sample, got " + samples);
            if (!(beta >= 0)) throw new IllegalArgumentException("ELBO: β must be non-negative, got " + beta);
            if (klWarmupSteps < 0) throw new IllegalArgumentException("ELBO: KL warm-up steps must be non-negative");
            if (iwaeK < 1) throw new IllegalArgumentException("IWAE: k must be at least 1, got " + iwaeK);
        }

        /** The ELBO (no importance weighting). */
        public ElboOptions(int samples, double beta, boolean analyticKl, int klWarmupSteps) {
            this(samples, beta, analyticKl, klWarmupSteps, 1);
        }

        /** One sample, β = 1, analytic KL, no warm-up: the standard VAE. */
        public static ElboOptions standard() {
            return new ElboOptions(1, 1, true, 0, 1);
        }

        /** β at a training step under a linear KL warm-up: β·min(1, step / warm-up steps). */
        public double betaAt(long step) {
            return klWarmupSteps == 0 ? beta : beta * Math.min(1.0, (double) step / klWarmupSteps);
        }
    }

    /**
     * The terms of a batch, per datum: {@code reconstruction} = E_q[log p(x|z)],
     * {@code kl} = KL(q(z|x) ‖ p(z)), {@code elbo} = reconstruction − kl, and {@code loss} = −(reconstruction
     * − β·kl), the differentiable training objective (a scalar tensor).
     */
    public record Terms(Tensor loss, double elbo, double reconstruction, double kl) {}

    /**
     * The ELBO of a batch x [B, D]: E_q[log p(x|z)] − β·KL(q(z|x) ‖ p(z)), the expectation over L
     * reparameterised samples, KL analytic or sampled (with the same samples).
     */
    public Terms elbo(Tensor x, UniformRandomProvider rng, ElboOptions options, double beta) {
        Posterior q = encode(x);
        Posterior.Sample s = q.rsample(rng, options.samples());
        Tensor z = s.z(); // [L, B, K]
        Tensor recon = logLikelihoodOfSamples(x, z).mean(false, 0); // [B]
        Tensor kl;
        if (!up.isEmpty()) { // several layers: KL(q(z₁..z_L|x) ‖ p(z₁..z_L)) sampled, log q − log p on the same draws
            Tensor ratio = upperLogRatio(z, shape -> Tensor.randn(rng, config.dtype(), shape));
            kl = s.logProb().sub(ratio).mean(false, 0);
        } else {
            kl = options.analyticKl() ? q.analyticKl(prior).orElseGet(() -> sampledKl(s)) : sampledKl(s);
        }
        Tensor loss = recon.sub(kl.mul(beta)).mean().neg();
        double r = recon.mean().item(), kv = kl.mean().item();
        return new Terms(loss, r - kv, r, kv);
    }

    /**
     * The ELBO of each datum of x [B, D] (no gradient): E_q[log p(x|z)] over L samples minus the KL,
     * analytic or sampled with the same samples (always sampled with several stochastic layers). Returns
     * [B] values in nats.
     */
    public double[] elboPerDatum(Tensor x, int samples, boolean analyticKl, UniformRandomProvider rng) {
        try (var off = Tape.noGrad(); var step = evalArena.enter()) {
            Posterior q = encode(x);
            var kl = analyticKl && up.isEmpty() ? q.analyticKl(prior) : java.util.Optional.<Tensor>empty();
            if (kl.isPresent()) {
                Tensor z = q.rsample(rng, samples).z();
                return logLikelihoodOfSamples(x, z).mean(false, 0).sub(kl.get()).toDoubleArray();
            }
            return logWeights(x, q, samples, rng).mean(false, 0).toDoubleArray();
        } catch (IllegalArgumentException e) { // a posterior refuses a NaN mean or log-variance: a diverged model
            throw divergedEncoder(x, e);
        }
    }

    /**
     * A distribution refused a value of x's evaluation: a {@link DivergedException} naming the op where
     * the first non-finite value appeared (the encoder, then the decoder at z = μ, run again recorded to
     * find it), or {@code e} itself when every value is finite (the caller's mistake, not a divergence).
     */
    private RuntimeException divergedEncoder(Tensor x, IllegalArgumentException e) {
        try (var on = Tape.enableGrad()) {
            try {
                Posterior q = encode(x);
                if (Tape.firstNonFinite() == null) logLikelihood(x, decode(q.location()));
            } catch (IllegalArgumentException again) { // refused: a shape, say, or a non-finite value the tape now holds
                if (Tape.firstNonFinite() == null) {
                    Tape.clear();
                    return e;
                }
            }
            if (Tape.firstNonFinite() == null) {
                Tape.clear();
                return e;
            }
            return diverged(x, "the model produced a non-finite value (" + e.getMessage() + ")");
        }
    }

    /**
     * The ELBO of each datum of x [B, D] with the analytic KL and E_q[log p(x|z)] estimated on the given
     * standard-normal draws ε [S, B, latent] (z = μ + σ·ε): the same estimate another implementation
     * computes from the same ε (common random numbers), with no generator involved. Returns [B] values.
     * With several stochastic layers ε is [S, B, K₁ + … + K_L], z_ℓ's draws in columns K₁ + … + K_{ℓ−1}
     * onwards, and the KL is sampled on them.
     */
    public double[] elboPerDatum(Tensor x, Tensor eps) {
        int total = Arrays.stream(config.latents()).sum();
        if (eps.rank() != 3 || eps.dim(1) != x.dim(0) || eps.dim(2) != total) {
            throw new IllegalArgumentException("elboPerDatum: noise " + Arrays.toString(eps.shape()) + " for " + x.dim(0)
                    + " data, expected [samples, " + x.dim(0) + ", " + total + "]");
        }
        try (var off = Tape.noGrad(); var step = evalArena.enter()) {
            Posterior q = encode(x);
            Tensor e = eps.to(config.dtype());
            if (!up.isEmpty()) {
                int[] k = config.latents();
                int s = e.dim(0), b = e.dim(1);
                Posterior.Sample s1 = q.rsample(e.slice(2, 0, k[0]));
                int[] from = {k[0]};
                Tensor ratio = upperLogRatio(s1.z(), shape -> {
                    Tensor part = e.slice(2, from[0], from[0] + shape[1]).reshape(s * b, shape[1]);
                    from[0] += shape[1];
                    return part;
                });
                return logLikelihoodOfSamples(x, s1.z()).add(ratio).sub(s1.logProb()).mean(false, 0).toDoubleArray();
            }
            var kl = q.analyticKl(prior);
            Posterior.Sample s = q.rsample(e);
            return logLikelihoodOfSamples(x, s.z()).mean(false, 0).sub(kl.orElseGet(() -> sampledKl(s))).toDoubleArray();
        }
    }

    /**
     * The mean ELBO per datum over a data set, in nats: one sample of z per datum and the analytic KL,
     * 500 rows at a time, no gradient (the test −ELBO that {@code vae train} and {@code vae eval} report).
     */
    public double meanElbo(Dataset data, UniformRandomProvider rng) {
        return meanElbo(data, 1, rng);
    }

    /**
     * {@link #meanElbo(Dataset, UniformRandomProvider)} with {@code samples} samples of z per datum (the
     * Monte-Carlo error of the mean falls as 1/√samples), at most about {@link ConvNet#rowsAtOnce} decoded rows at a time.
     */
    public double meanElbo(Dataset data, int samples, UniformRandomProvider rng) {
        if (samples < 1) throw new IllegalArgumentException("meanElbo: need at least 1 sample, got " + samples);
        int rows = Math.max(1, Math.min(500, ConvNet.rowsAtOnce(config.arch()) / samples));
        double sum = 0;
        for (int from = 0; from < data.count(); from += rows) {
            int to = Math.min(data.count(), from + rows);
            for (double v : elboPerDatum(data.batch(from, to, config.dtype()), samples, true, rng)) sum += v;
        }
        return sum / data.count();
    }

    /**
     * The importance-weighted bound per datum, L_k(x) = log (1/k) Σᵢ p(x, zᵢ)/q(zᵢ|x), zᵢ ~ q(z|x),
     * with a stable log-sum-exp. Computed in chunks of {@code chunk} samples with a running
     * log-sum-exp, so memory stays bounded for k up to thousands; no gradient. Returns [B] values.
     */
    public double[] iwaeBound(Tensor x, int k, int chunk, UniformRandomProvider rng) {
        if (k < 1 || chunk < 1) throw new IllegalArgumentException("IWAE: k and chunk must be positive, got " + k + ", " + chunk);
        int b = x.dim(0);
        double[] max = new double[b], sum = new double[b];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        try (var off = Tape.noGrad()) {
            Posterior q = encode(x);
            for (int done = 0; done < k; done += chunk) {
                int c = Math.min(chunk, k - done);
                double[] lw;
                try (var step = evalArena.enter()) { // each chunk reuses the previous chunk's storage
                    lw = logWeights(x, q, c, rng).toDoubleArray(); // [c, B]
                }
                for (int i = 0; i < c; i++) {
                    for (int j = 0; j < b; j++) {
                        double v = lw[i * b + j];
                        if (v > max[j]) {
                            sum[j] = sum[j] * Math.exp(max[j] - v) + 1;
                            max[j] = v;
                        } else {
                            sum[j] += Math.exp(v - max[j]);
                        }
                    }
                }
            }
        }
        double[] out = new double[b];
        for (int j = 0; j < b; j++) out[j] = max[j] + Math.log(sum[j]) - Math.log(k);
        return out;
    }

    /** log p(x | zₗ) for latent samples z [L, B, K] of a batch x [B, D]: decodes all L·B codes at once, [L, B]. */
    private Tensor logLikelihoodOfSamples(Tensor x, Tensor z) {
        int l = z.dim(0), b = x.dim(0), d = config.inputDim();
        Tensor decoded = decode(z.reshape(l * b, config.latent()));
        Tensor xRep = l == 1 ? x : x.expand(l, b, d).reshape(l * b, d);
        return logLikelihood(xRep, decoded).reshape(l, b);
    }

    /**
     * log p(x, zᵢ) − log q(zᵢ|x) for c samples: [c, B]. With several stochastic layers zᵢ = (z₁, …, z_L)ᵢ drawn
     * ancestrally from q(z₁|x) q(z₂|z₁) ⋯ q(z_L|z_{L−1}), and
     * <pre>
     *   log w = log p(x|z₁) + Σ_{ℓ<L} log p(z_ℓ|z_{ℓ+1}) + log p(z_L) − log q(z₁|x) − Σ_{ℓ≥2} log q(z_ℓ|z_{ℓ−1})
     * </pre>
     */
    private Tensor logWeights(Tensor x, Posterior q, int c, UniformRandomProvider rng) {
        Posterior.Sample s = q.rsample(rng, c);
        Tensor z = s.z(); // [c, B, K]
        Tensor logLik = logLikelihoodOfSamples(x, z);
        if (!up.isEmpty()) return logLik.add(upperLogRatio(z, shape -> Tensor.randn(rng, config.dtype(), shape))).sub(s.logProb());
        Tensor logPrior = prior.logProb(z);
        Tensor logQ = s.logProb();
        return logLik.add(logPrior).sub(logQ);
    }

    /**
     * The layers above z₁ for samples z₁ [S, B, K₁]: z_ℓ = μ + σ·ε ~ q(z_ℓ|z_{ℓ−1}) for ℓ = 2..L, each ε [S·B, K_ℓ]
     * from {@code noise} (given the shape), and
     * <pre>
     *   log p(z₁, …, z_L) − log q(z₂, …, z_L|z₁) = log p(z_L) + Σ_{ℓ=2..L} [log p(z_{ℓ−1}|z_ℓ) − log q(z_ℓ|z_{ℓ−1})]
     * </pre>
     * per sample, [S, B] (log q(z₁|x) is the caller's: it may be a flow's).
     */
    private Tensor upperLogRatio(Tensor z1, java.util.function.Function<int[], Tensor> noise) {
        int[] k = config.latents();
        int s = z1.dim(0), b = z1.dim(1);
        Tensor[] z = new Tensor[k.length];
        z[0] = z1.reshape(s * b, k[0]);
        Tensor logQ = null;
        for (int l = 2; l <= k.length; l++) {
            Normal q = up.get(l - 2).distribution(z[l - 2]);
            z[l - 1] = q.rsample(noise.apply(new int[] {s * b, k[l - 1]}));
            Tensor lq = q.logProb(z[l - 1]).sum(false, 1);
            logQ = logQ == null ? lq : logQ.add(lq);
        }
        Tensor logP = prior.logProb(z[k.length - 1]); // [S·B]
        for (int l = k.length; l >= 2; l--) logP = logP.add(down.get(l - 2).distribution(z[l - 1]).logProb(z[l - 2]).sum(false, 1));
        return logP.sub(logQ).reshape(s, b);
    }

    /** KL(q ‖ p) per datum estimated on the samples z [L, B, K]: the mean over L of log q(z|x) − log p(z), [B]. */
    private Tensor sampledKl(Posterior.Sample s) {
        return s.logProb().sub(prior.logProb(s.z())).mean(false, 0);
    }

    /** The IWAE training objective: −mean over the batch of L_k, differentiable (all k samples at once). */
    public Tensor iwaeLoss(Tensor x, int k, UniformRandomProvider rng) {
        Tensor lw = logWeights(x, encode(x), k, rng);
        return Ops.logSumExp(lw, 0).sub(Math.log(k)).mean().neg();
    }

    /**
     * One optimisation step on a batch: zero the gradients, the objective of {@code options} (the ELBO
     * with β at this step's warm-up, or −L_k), backward, the optimiser's step. Returns the batch's terms,
     * measured before the update; for IWAE, {@code elbo} holds L_k and the reconstruction and KL are NaN.
     * The step's tensors live in this model's {@link Arena}, so repeated steps reuse their storage; the
     * parameters' gradients stay valid until the next step.
     *
     * @throws DivergedException when the objective is not finite (nothing is updated); its message says
     *     where the first non-finite value appeared ({@link Tape#whereNonFinite})
     */
    public Terms trainStep(Tensor x, Optimizer optimizer, UniformRandomProvider rng, ElboOptions options, long step) {
        try (var s = arena.enter()) {
            optimizer.zeroGrad();
            Terms t = backwardObjective(x, rng, options, step, 1);
            optimizer.step();
            return t;
        }
    }

    /**
     * The gradient part of {@link #trainStep}, for data-parallel training: the objective of {@code options}
     * on x (the mean over its rows), times {@code weight}, back-propagated into the parameters' gradients,
     * which accumulate (the caller zeroes them). A shard of S rows of a global batch of B weighs S/B, so the
     * shards' gradients sum to the batch's. Call it inside {@link #enterArena()} when it repeats; the
     * gradients stay valid until the arena is entered again. Returns the terms (means over x, unweighted).
     *
     * @throws DivergedException as {@link #trainStep} does
     */
    public Terms backwardObjective(Tensor x, UniformRandomProvider rng, ElboOptions options, long step, double weight) {
        Terms t;
        try {
            if (options.iwaeK() > 1) {
                Tensor loss = iwaeLoss(x, options.iwaeK(), rng);
                t = new Terms(loss, -loss.item(), Double.NaN, Double.NaN);
            } else {
                t = elbo(x, rng, options, options.betaAt(step));
            }
        } catch (IllegalArgumentException e) { // Normal refuses a NaN mean or log-variance
            if (Tape.firstNonFinite() == null) throw e; // the caller's mistake (a shape, say), not a divergence
            throw diverged(x, "the encoder produced a non-finite value (" + e.getMessage() + ")");
        }
        if (!Double.isFinite(t.loss().item())) throw diverged(x, "the loss is " + t.loss().item());
        (weight == 1 ? t.loss() : t.loss().mul(weight)).backward();
        return new Terms(t.loss().detach().copy(), t.elbo(), t.reconstruction(), t.kl());
    }

    /** Enters this model's training {@link Arena} (what {@link #trainStep} does each step), for {@link #backwardObjective}. */
    public Arena.Entry enterArena() {
        return arena.enter();
    }

    /** The objective of a training step was not finite; the message says what and where, in one line. */
    public static final class DivergedException extends ArithmeticException {
        private static final long serialVersionUID = 1L;

        /** A divergence with this one-line message. */
        public DivergedException(String message) {
            super(message);
        }
    }

    /** A {@link DivergedException} naming the parameters and the batch where the tape first went non-finite; clears the tape. */
    private DivergedException diverged(Tensor x, String what) {
        Map<Tensor, String> names = new IdentityHashMap<>();
        namedParameters().forEach((name, p) -> names.put(p.value(), name));
        names.put(x, "the input batch");
        String where = Tape.whereNonFinite(names);
        Tape.clear();
        return new DivergedException(what + (where == null ? "" : "; " + where));
    }

    /** The storage that {@link #trainStep} reuses from step to step, and the evaluations from call to call. */
    private final Arena arena = new Arena(), evalArena = new Arena();
}

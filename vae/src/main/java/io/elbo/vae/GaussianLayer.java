package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Activation;
import io.elbo.nn.Linear;
import io.elbo.nn.MLP;
import io.elbo.nn.Module;
import io.elbo.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * A conditional Gaussian stochastic layer of a hierarchical {@link VAE}, as in Burda et al.'s two-layer model:
 * <pre>
 *   h = body(u),   N(μ(h), diag σ²(h)),   μ = W_μ h + b_μ,   log σ² = W_λ h + b_λ
 * </pre>
 * where the body is a block of linear layers, each followed by the activation (none: h = u), and log σ² is
 * clamped to [−30, 20] as in {@link Normal#fromLogVar}. It is q(z_ℓ|z_{ℓ−1}) on the inference side and
 * p(z_{ℓ−1}|z_ℓ) on the generative side. Its parameters are named {@code BODY.i.weight}, {@code MU.weight},
 * {@code LOGVAR.weight} (and biases), the names given, so a model that includes it keeps flat PyTorch-style
 * names.
 */
final class GaussianLayer extends Module {
    private final Sequential body;
    private final Linear mu, logVar;

    /**
     * A layer from {@code in} features through hidden widths {@code hidden} to a Gaussian over {@code out}
     * coordinates, its parameters (body, μ head, log σ² head, in that order) initialised from {@code rng}.
     */
    GaussianLayer(String bodyName, String muName, String logVarName, int in, int[] hidden, int out, Supplier<Activation> activation,
                  UniformRandomProvider rng, DType dtype) {
        int[] widths = new int[hidden.length + 1];
        widths[0] = in;
        System.arraycopy(hidden, 0, widths, 1, hidden.length);
        List<Module> layers = new ArrayList<>();
        if (hidden.length > 0) layers.addAll(MLP.of(rng, dtype, widths).activation(activation).outputActivation(activation).build().layers());
        body = registerModule(bodyName, new Sequential(layers));
        int features = widths[widths.length - 1];
        mu = registerModule(muName, new Linear(features, out, rng, dtype));
        logVar = registerModule(logVarName, new Linear(features, out, rng, dtype));
    }

    /** The Gaussian for inputs u [N, in]: N(μ, diag σ²) over [N, out]. */
    Normal distribution(Tensor u) {
        Tensor h = body.forward(u);
        return Normal.fromLogVar(mu.forward(h), logVar.forward(h));
    }

    /** The mean μ(u), [N, out]. */
    @Override
    public Tensor forward(Tensor u) {
        return mu.forward(body.forward(u));
    }
}

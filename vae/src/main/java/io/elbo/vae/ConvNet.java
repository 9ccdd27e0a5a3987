package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.nn.Activation;
import io.elbo.nn.Conv2d;
import io.elbo.nn.ConvTranspose2d;
import io.elbo.nn.Linear;
import io.elbo.nn.Reshape;
import io.elbo.nn.Sequential;
import java.util.Arrays;
import java.util.function.Supplier;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The convolutional encoder and decoder of {@code vae train --arch conv}, the shape of TensorFlow's CVAE
 * tutorial, for 28 × 28 single-channel images (the model's rows stay 784 pixels; the nets reshape them):
 * <pre>
 *   encoder  Unflatten(1×28×28) Conv(1→32, 3, stride 2, pad 1) act Conv(32→64, 3, stride 2, pad 1) act Flatten
 *            → 64·7·7 = 3136 features, which feed the posterior's heads ({@link PosteriorHead});
 *   decoder  Linear(K → 7·7·32) act Unflatten(32×7×7) ConvT(32→64, 3, s2, p1, op1) act
 *            ConvT(64→32, 3, s2, p1, op1) act ConvT(32→1, 3, s1, p1) Flatten → 784 likelihood parameters.
 * </pre>
 * The activation {@code act} is the model's (ReLU by default). The modules sit in {@link Sequential}s in
 * PyTorch's order, the reshapes included, so the parameters have the names the same {@code nn.Sequential}s
 * give them ({@code encoder.1.weight}, {@code decoder.3.bias}, ...; {@code python/elbo_vae.py}'s
 * {@code conv_class} is that model).
 */
public final class ConvNet {
    private ConvNet() {}

    /** The architectures' names: the hidden widths' MLP, and this one. */
    public static final String MLP = "mlp", CONV = "conv";
    /** The images' side (28) and the encoder's features (64 channels of 7 × 7). */
    public static final int SIDE = 28, FEATURES = 64 * 7 * 7;
    /** The decoder's first layer's width: 32 channels of 7 × 7. */
    static final int SEED_WIDTH = 32 * 7 * 7;
    /** Values each row's activations hold, layer outputs of the encoder and the decoder: for memory estimates. */
    public static final long ACTIVATIONS_PER_ROW = 32 * 14 * 14 + FEATURES + SEED_WIDTH + 64 * 14 * 14 + 32 * 28 * 28 + SIDE * SIDE;

    /**
     * Checks an architecture's name and what it needs: {@code mlp} takes any size; {@code conv}, images of
     * 28 × 28 = 784 pixels and no hidden widths (its layers are fixed). One line naming what is wrong.
     */
    static void checkArch(String arch, int inputDim, int[] hidden) {
        if (arch.equals(MLP)) return;
        if (!arch.equals(CONV)) throw new IllegalArgumentException("unknown architecture '" + arch + "' (mlp or conv)");
        if (inputDim != SIDE * SIDE) {
            throw new IllegalArgumentException("the conv architecture takes 28×28 single-channel images (784 pixels), got " + inputDim + " pixels");
        }
        if (hidden.length > 0) {
            throw new IllegalArgumentException("the conv architecture has no hidden widths (its layers are fixed), got " + Arrays.toString(hidden));
        }
    }

    /**
     * Rows an evaluation decodes at once at most, for a model of architecture {@code arch}: 16 384 for an MLP
     * (16 384 × 784 floats per tensor); 128 for the convolutional one, whose activations and im2col buffers take
     * about 0.6 MB per row (a training batch's worth of rows keeps the evaluation's storage under 100 MB: with
     * 500 rows, a run's peak RSS was 1.1 GB).
     */
    public static int rowsAtOnce(String arch) {
        return arch.equals(CONV) ? 128 : 16_384;
    }

    /** The encoder body: rows of 784 pixels to 3136 features, its parameters drawn from {@code rng}. */
    static Sequential encoder(Supplier<Activation> act, UniformRandomProvider rng, DType dtype) {
        return new Sequential(Reshape.unflatten(1, SIDE, SIDE),
                new Conv2d(1, 32, 3, 2, 1, rng, dtype), act.get(),
                new Conv2d(32, 64, 3, 2, 1, rng, dtype), act.get(),
                Reshape.flatten());
    }

    /** The decoder: codes [N, latent] to 784 likelihood parameters per row, its parameters drawn from {@code rng}. */
    static Sequential decoder(int latent, Supplier<Activation> act, UniformRandomProvider rng, DType dtype) {
        return new Sequential(new Linear(latent, SEED_WIDTH, rng, dtype), act.get(), Reshape.unflatten(32, 7, 7),
                new ConvTranspose2d(32, 64, 3, 2, 1, 1, rng, dtype), act.get(),
                new ConvTranspose2d(64, 32, 3, 2, 1, 1, rng, dtype), act.get(),
                new ConvTranspose2d(32, 1, 3, 1, 1, 0, rng, dtype),
                Reshape.flatten());
    }

    /** The parameters of the encoder body and the decoder (not the posterior's heads), for a latent dimension K. */
    public static long parameterCount(int latent) {
        long encoder = (1 * 9 * 32 + 32) + (32 * 9 * 64 + 64);
        long decoder = ((long) latent * SEED_WIDTH + SEED_WIDTH) + (32 * 64 * 9 + 64) + (64 * 32 * 9 + 32) + (32 * 9 + 1);
        return encoder + decoder;
    }
}

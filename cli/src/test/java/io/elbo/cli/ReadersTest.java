package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.vae.data.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands on a trained model read only what they use: the test images, never the training images. */
class ReadersTest {
    @TempDir
    Path tmp;

    @Test
    void evalReconstructInterpolateAndPlotNeverReadTheTrainingImages() throws Exception {
        Path data = tmp.resolve("idx");
        HostileInputProperties.writeTiny(data, 6);
        Path run = tmp.resolve("run");
        CliTest.vae("train", "--data", data.toString(), "-e", "1", "--hidden", "8", "--latent", "2", "-b", "16", "--threads", "1",
                "-o", run.toString()).assertOk();
        // training images that cannot be read: a reader that opened them would fail
        Files.write(data.resolve(HostileInputProperties.TRAIN_IMAGES), new byte[] {1, 2, 3});
        Files.delete(data.resolve(HostileInputProperties.TRAIN_LABELS));
        CliTest.Result eval = CliTest.vae("eval", run.toString(), "-k", "2", "-n", "4");
        eval.assertOk();
        assertTrue(eval.out().contains("(16 test images, 6×6)") && !eval.out().contains("train"), eval.out());
        CliTest.vae("reconstruct", run.toString(), "-n", "2").assertOk();
        CliTest.vae("interpolate", run.toString(), "--steps", "2").assertOk();
        CliTest.vae("plot", run.toString()).assertOk();
    }

    @Test
    void evalsTestElboWithItsProgressIsVaesMeanElboBitForBit() {
        Runs.Loaded m = trainedOnSample();
        Dataset test = Data.loadTest(Data.SAMPLE).test();
        for (int samples : new int[] {1, 3, 40}) {
            double expected = m.vae().meanElbo(test, samples, io.elbo.vae.Streams.of(5, samples));
            double got = EvalCommand.meanElbo(m.vae(), test, samples, io.elbo.vae.Streams.of(5, samples));
            assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(got), samples + " samples: " + expected + " vs " + got);
        }
    }

    Runs.Loaded trainedOnSample() {
        Path run = tmp.resolve("sample-run");
        CliTest.vae(CliTest.with(CliTest.SHORT, "-e", "1", "--hidden", "16", "--latent", "2", "-o", run.toString())).assertOk();
        return Runs.open(run);
    }
}

package io.elbo.cli;

import io.elbo.vae.data.Dataset;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code vae plot}: redraws the pictures of an existing run from its checkpoint and metrics.csv: the loss
 * curve (train −ELBO, reconstruction and KL, test −ELBO), samples from the prior, test images above their
 * reconstructions, and for a 2-D latent space the manifold and the test codes by class. Writes
 * {@code loss.png}, {@code samples.png}, {@code reconstructions.png}, {@code manifold.png} and
 * {@code latent.png} into the run, holding its lock (a run being trained is refused, naming its process).
 */
@Command(name = "plot", mixinStandardHelpOptions = true, showDefaultValues = true, abbreviateSynopsis = true, sortOptions = false,
        description = "Redraw the pictures of a run (loss curve, samples, reconstructions; manifold and latent codes when 2-D).")
final class PlotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunArgument run;

    @Mixin
    SharedOptions.RunData data;

    @Override
    public Integer call() {
        Runs.Loaded m = run.open();
        Path dir = run.directory();
        Data source = run.data(m, data, spec.commandLine().getOut());
        Dataset test = RunArgument.testImages(m, source);
        List<String> rows = Runs.metricsBefore(dir, Integer.MAX_VALUE);
        Path metrics = dir.resolve(Runs.METRICS);
        for (String line : rows) { // the columns the loss curve plots must be numbers
            String[] f = line.split(",", -1);
            if (f.length < 5) throw new CliException(metrics + ": a row has " + f.length + " columns, not 8: " + line);
            try {
                for (int i : new int[] {1, 4}) Double.parseDouble(f[i]);
            } catch (NumberFormatException e) {
                throw new CliException(metrics + ": a row holds something that is not a number (" + e.getMessage() + ")");
            }
        }
        try (RunLock lock = RunLock.acquire(dir)) {
            Main.doing("drawing the pictures of " + dir);
            TrainingRun.drawPictures(m.vae(), m.config(), test, source.classNames(), rows, dir, "", Runs.what(m));
        }
        var out = spec.commandLine().getOut();
        out.print(Text.wrap("wrote ", (rows.isEmpty() ? "" : "loss.png (" + Text.count(rows.size(), "epoch") + "), ") + "samples.png, reconstructions.png"
                + (m.config().latent() == 2 && m.config().upperLatents().length == 0 ? ", manifold.png, latent.png" : "") + " of the " + Runs.what(m) + " to " + dir));
        if (rows.isEmpty()) out.print(Text.wrap("no loss curve: ", metrics + " holds no epochs"));
        return 0;
    }
}

package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every line every command prints fits a terminal of 80 columns or is broken at a word: help, normal
 * output, warnings and errors (the hostile-input cases check theirs in {@link HostileInputProperties}).
 * The run lives under a long directory name, so that paths in messages force them to wrap.
 */
class EightyColumnsTest {
    @TempDir
    Path tmp;

    List<String> checked = new ArrayList<>();

    CliTest.Result run(String... args) {
        CliTest.Result r = CliTest.vae(args);
        String what = "vae " + String.join(" ", args);
        Columns.assertFits(what + " (stdout)", r.out());
        Columns.assertFits(what + " (stderr)", r.err());
        checked.add(what);
        return r;
    }

    @Test
    void everyCommandsHelpOutputAndErrorsFitEightyColumns() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("a-rather-long-directory-name-so-that-paths-in-messages-must-wrap"));
        Path run = base.resolve("run-with-a-long-name");
        run("--help");
        run("--version");
        run().assertOneLineError(2, "a command is needed");
        for (String name : Main.commandLine().getSubcommands().keySet()) {
            if (name.equals("help")) continue;
            assertEquals(0, run(name, "--help").exit());
            assertEquals(0, run("help", name).exit());
            run(name, "--no-such-option").assertOneLineError(2);
        }
        CliTest.Result train = run("train", "--data", "sample", "--limit", "128", "-b", "64", "-e", "1", "--hidden", "8", "--latent", "2",
                "--threads", "1", "-o", run.toString());
        train.assertOk();
        assertTrue(train.out().contains("1 epoch\n") || !train.out().contains("1 epochs"), "no '1 epochs': " + train.out());
        run("train", "--data", "sample", "--limit", "128", "-b", "64", "-e", "1", "-o", run.toString()).assertOneLineError(1, "already holds a run");
        run("train", "--resume", run.toString(), "-e", "2", "--threads", "1").assertOk();
        run("eval", run.toString(), "-k", "2", "-n", "4").assertOk();
        CliTest.Result sample = run("sample", run.toString(), "-n", "1");
        sample.assertOk();
        assertTrue(sample.out().contains("wrote 1 sample to"), sample.out());
        run("reconstruct", run.toString(), "-n", "2").assertOk();
        run("interpolate", run.toString(), "--steps", "2").assertOk();
        run("plot", run.toString()).assertOk();
        run("export", run.toString()).assertOk();
        run("export", run.toString(), "--names", "pytorch-example", "-o", base.resolve("w.safetensors").toString()).assertOk();
        run("import", base.resolve("w.safetensors").toString(), "-o", base.resolve("imported-run").toString()).assertOk();
        run("import", base.resolve("w.safetensors").toString(), "-o", base.resolve("imported-run").toString())
                .assertOneLineError(1, "already holds a run");
        run("eval", base.resolve("imported-run").toString(), "-k", "2", "-n", "4").assertOk();
        run("eval", base.resolve("nowhere").toString()).assertOneLineError(1, "no such checkpoint");
        run("train", "--data", base.resolve("no-such-data-directory").toString()).assertOneLineError(1, "no such directory");
        run("export", run.toString(), "-o", run.resolve(Runs.CHECKPOINT).toString()).assertOneLineError(1, "is the run's checkpoint");
        run("train", "--data", "sample", "--limit", "512", "-b", "64", "-e", "1", "--lr", "1e10", "--threads", "1",
                "-o", base.resolve("diverging").toString()).assertOneLineError(1, "training diverged");
        assertTrue(checked.size() > 30, "every command was run: " + checked);
        CommandLine.Help.Ansi.OFF.toString(); // help is printed without colours in tests
    }
}

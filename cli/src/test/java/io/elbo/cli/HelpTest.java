package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Help that reads cleanly at 80 columns: every option described, with its default; no broken words; only options a command uses. */
class HelpTest {
    /** The commands that read test images, and so take --data. */
    static final Set<String> READ_DATA = Set.of("train", "eval", "reconstruct", "interpolate", "plot", "import", "parquet");

    @Test
    void everyCommandsHelpFitsEightyColumnsAndDescribesEveryOption() {
        CommandLine root = Main.commandLine();
        for (var entry : root.getSubcommands().entrySet()) {
            String name = entry.getKey();
            if (name.equals("help")) continue;
            CommandLine cmd = entry.getValue();
            String help = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
            for (String line : help.split("\n")) assertTrue(line.length() <= 80, name + ": a line over 80 columns: " + line);
            assertTrue(help.startsWith("Usage: vae " + name + " [OPTIONS]"), name + ": " + help);
            assertFalse(help.contains("<"), name + ": an option without a parameter label: " + help);
            assertFalse(help.contains("...]["), name + ": picocli's split syntax: " + help);
            for (String word : List.of("train-images-idx3-ubyte[.gz]", "python/elbo_vae.py", "weights.safetensors", "OUT/train.parquet",
                    "OUT/dataset.json")) {
                if (help.replaceAll("\\s+", " ").contains(word.substring(0, 8))) {
                    assertTrue(help.contains(word), name + ": '" + word + "' broken across lines: " + help);
                }
            }
            for (OptionSpec o : cmd.getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp()) continue;
                String text = String.join(" ", o.description());
                assertFalse(text.isBlank(), name + " " + o.longestName() + " has no description");
                boolean shown = o.defaultValue() != null || text.contains("Default:") || o.arity().max() == 0;
                assertTrue(shown, name + " " + o.longestName() + " does not say its default");
            }
            assertEquals(READ_DATA.contains(name), cmd.getCommandSpec().findOption("--data") != null,
                    name + (READ_DATA.contains(name) ? " reads test images but has no --data" : " offers --data, which it never reads"));
        }
    }
}

package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Lines for 80 columns: messages broken at words, commands to copy quoted for the shell and broken with backslashes. */
class TextTest {
    @Test
    void aCommandToCopyIsQuotedForZshAndBashAndBrokenWithABackslash() {
        // zsh: "no matches found: local[2]" when the brackets are bare
        assertEquals("  vae train --resume runs/x --spark 'local[2]'\n", Text.command("vae", "train", "--resume", "runs/x", "--spark", "local[2]"));
        assertEquals("'it'\\''s here'", Text.shellQuote("it's here"));
        String dir = "/tmp/" + "a-long-directory-name/".repeat(2) + "run";
        String c = Text.command("vae", "train", "--resume", dir, "--spark", "local[*]");
        assertEquals("  vae train --resume " + dir + " \\\n    --spark 'local[*]'\n", c);
        for (String line : c.split("\n")) assertTrue(line.length() <= Text.WIDTH, line);
    }

    @Test
    void countsArePluralUnlessOne() {
        assertEquals("1 epoch", Text.count(1, "epoch"));
        assertEquals("0 epochs", Text.count(0, "epoch"));
        assertEquals("2 shards", Text.count(2, "shard"));
    }

    @Test
    void aMessageBreaksAtWordsUnderItsLabel() {
        String w = Text.wrap("vae: ", "word ".repeat(40).strip());
        for (String line : w.split("\n")) assertTrue(line.length() <= Text.WIDTH && (line.startsWith("vae: ") || line.startsWith("     w")), line);
    }
}

package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What "fits 80 columns" means for the tests: every printed line is at most 80 columns, or holds one
 * word alone after its label or indentation (a path longer than a line, which no break can shorten).
 * A message is one logical line: its first line starts at column 0, its continuation lines are indented.
 */
final class Columns {
    private Columns() {}

    static final int MAX = 80;

    /**
     * True when {@code line} fits, or is one unbreakable word (a path) alone after its indentation or
     * after a short label ("vae:", "resumed"): no break at a word could shorten it.
     */
    static boolean fits(String line) {
        if (line.length() <= MAX) return true;
        String[] words = line.strip().split(" +");
        return words.length == 1 || words.length == 2 && words[0].length() <= 20;
    }

    /** Every line of {@code text} fits 80 columns or is broken at a word. */
    static void assertFits(String what, String text) {
        for (String line : text.split("\n")) {
            line = line.substring(line.lastIndexOf('\r') + 1); // a progress bar redrawn in place: what stays on screen
            assertTrue(fits(line), what + ": a line over " + MAX + " columns (" + line.length() + "), not broken at a word:\n" + line);
        }
    }

    /** The messages in {@code err}: lines that start a message (not a continuation's indentation). */
    static long messages(String err) {
        return err.strip().lines().filter(l -> !l.startsWith(" ")).count();
    }

    /** {@code err} with each message's continuation lines joined to it: one line per message. */
    static String unwrap(String err) {
        return err.strip().replaceAll("\n +", " ");
    }

    /** {@code err} is one message, fitting 80 columns; returns it unwrapped. */
    static String assertOneMessage(String what, String err) {
        assertEquals(1, messages(err), what + ": one message: " + err);
        assertFits(what, err);
        return unwrap(err);
    }
}

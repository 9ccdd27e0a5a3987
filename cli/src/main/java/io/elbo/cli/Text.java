package io.elbo.cli;

/**
 * Lines for a terminal of 80 columns. Every message the commands print, errors included, goes through
 * {@link #wrap}: a message is one logical line, broken at words, its continuation lines indented.
 */
public final class Text {
    private Text() {}

    /** {@code n} and the noun, plural unless n is 1: "1 epoch", "2 epochs", "0 samples". */
    public static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /**
     * A command for the user to copy, on lines of its own: two spaces in, each word quoted for a POSIX
     * shell where it needs it ({@code 'local[2]'}: zsh would expand the brackets), broken with {@code " \"}
     * where the next word would pass {@link #WIDTH}, continuations four spaces in. Ends with a newline.
     */
    public static String command(String... words) {
        StringBuilder out = new StringBuilder(), line = new StringBuilder("  ");
        boolean empty = true;
        for (String word : words) {
            String q = shellQuote(word);
            if (!empty && line.length() + 1 + q.length() + 2 > WIDTH) {
                out.append(line).append(" \\\n");
                line = new StringBuilder("    ");
                empty = true;
            }
            if (!empty) line.append(' ');
            line.append(q);
            empty = false;
        }
        return out.append(line).append('\n').toString();
    }

    /** {@code s} as one word of a POSIX shell: itself when it holds only safe characters, else in single quotes. */
    public static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_./:=@%+,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** Columns of a line at most (one less than the terminal's, so no terminal wraps it). */
    static final int WIDTH = 79;

    /**
     * {@code prefix + text} broken at spaces into lines of at most {@link #WIDTH} columns, the later ones
     * indented under the text; a word longer than a line (a path) gets a line of its own. Ends with a newline.
     */
    public static String wrap(String prefix, String text) {
        StringBuilder out = new StringBuilder();
        String indent = " ".repeat(prefix.length());
        StringBuilder line = new StringBuilder(prefix);
        boolean empty = true;
        for (String word : text.split(" ")) {
            if (word.isEmpty()) continue;
            if (!empty && line.length() + 1 + word.length() > WIDTH) {
                out.append(line).append('\n');
                line = new StringBuilder(indent);
                empty = true;
            }
            if (!empty) line.append(' ');
            line.append(word);
            empty = false;
        }
        return out.append(line).append('\n').toString();
    }
}

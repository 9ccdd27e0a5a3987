package io.elbo.cli;

/** Lines for a terminal of 80 columns. */
public final class Text {
    private Text() {}

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

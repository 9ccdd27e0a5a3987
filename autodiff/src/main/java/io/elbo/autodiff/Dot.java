package io.elbo.autodiff;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Draws the recorded tape behind a tensor as a Graphviz DOT graph, for teaching, in micrograd's
 * {@code draw_dot} style: a box for every value (its {@linkplain Tensor#name() name} or
 * {@code t0, t1, ...}, shape and dtype, its data, and its gradient when a backward pass has left
 * one) and an oval for every op, with an arrow from each input value to the op, labelled with the
 * input's slot (0, 1, ...) where the op has more than one, and an arrow from the op to its result.
 * Leaves that require a gradient are shaded blue, constants white, results grey.
 *
 * <p>Gradients are on every node after {@code z.backward(Tape.options().retainGraph())}: a retained
 * pass keeps the tape and every intermediate's gradient. After a plain {@code z.backward()} the tape
 * is gone, and {@link #export} says so instead of drawing one box. {@link #png} renders with
 * Graphviz's {@code dot} (Debian: {@code apt-get install graphviz}).
 */
public final class Dot {
    private Dot() {}

    /** The part of the current tape that {@code output} depends on, as DOT text. */
    public static String export(Tensor output) {
        Labels labels = Labels.of("Dot.export", output);
        StringBuilder sb = new StringBuilder("digraph tape {\n  rankdir=LR;\n  node [fontname=\"monospace\", fontsize=11];\n");
        Map<Tensor, Integer> ids = new java.util.IdentityHashMap<>();
        for (Tensor t : labels.tensors()) {
            int id = ids.size();
            ids.put(t, id);
            String label = labels.of(t) + " " + Shape.str(t.shape) + " " + t.dtype + " | data " + Labels.value(t)
                    + (t.grad() != null ? " | grad " + Labels.value(t.grad()) : "");
            String fill = t.isLeaf() ? (t.requiresGrad ? "#cfe2f3" : "white") : "#eeeeee";
            sb.append("  v").append(id).append(" [shape=record, style=filled, fillcolor=\"").append(fill)
                    .append("\", label=\"{").append(escape(label)).append("}\"];\n");
        }
        int op = 0;
        for (Tape.Entry e : labels.entries) {
            sb.append("  op").append(op).append(" [shape=oval, label=\"").append(escape(e.op())).append("\"];\n");
            Tensor[] in = e.inputs();
            for (int i = 0; i < in.length; i++) {
                sb.append("  v").append(ids.get(in[i])).append(" -> op").append(op);
                if (in.length > 1) sb.append(" [label=\"").append(i).append("\"]");
                sb.append(";\n");
            }
            sb.append("  op").append(op).append(" -> v").append(ids.get(e.output())).append(";\n");
            op++;
        }
        return sb.append("}\n").toString();
    }

    /**
     * Renders {@link #export(Tensor)} to a PNG file with Graphviz's {@code dot}; throws
     * {@link IllegalStateException} with one line saying what to install when {@code dot} is not on
     * the PATH, or what {@code dot} said when it failed.
     */
    public static Path png(Tensor output, Path file) {
        return png(output, file, "dot");
    }

    static Path png(Tensor output, Path file, String executable) {
        String graph = export(output);
        Process p;
        try {
            p = new ProcessBuilder(executable, "-Tpng", "-o", file.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("Dot.png: Graphviz's '" + executable + "' was not found on the PATH; install"
                    + " Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), or write"
                    + " Dot.export(z) to a file and render it elsewhere");
        }
        try {
            try (var in = p.getOutputStream()) {
                in.write(graph.getBytes(StandardCharsets.UTF_8));
            }
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("Dot.png: '" + executable + "' did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("Dot.png: '" + executable + "' failed (exit " + p.exitValue() + "): "
                        + said.lines().findFirst().orElse("no message"));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Dot.png: cannot write " + file + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("Dot.png: interrupted");
        }
        return file;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("<", "\\<").replace(">", "\\>")
                .replace("{", "\\{").replace("}", "\\}");
    }
}

package io.elbo.autodiff;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws the recorded tape behind a tensor as a Graphviz DOT graph, for teaching: one box per
 * tensor with the op that made it, its shape, and a summary of its value and (if computed) its
 * gradient; an arrow from each input to each output. Render with {@code dot -Tpng}.
 */
public final class Dot {
    private Dot() {}

    /** The part of the current tape that {@code output} depends on, as DOT text. */
    public static String export(Tensor output) {
        List<Tape.Entry> entries = Tape.entries();
        Map<Tensor, Integer> ids = new IdentityHashMap<>();
        Map<Tensor, Boolean> needed = new IdentityHashMap<>();
        needed.put(output, true);
        StringBuilder edges = new StringBuilder();
        StringBuilder nodes = new StringBuilder();
        // One reverse pass marks what the output depends on, exactly like backward.
        for (int i = entries.size() - 1; i >= 0; i--) {
            Tape.Entry e = entries.get(i);
            if (!needed.containsKey(e.output())) continue;
            for (Tensor x : e.inputs()) {
                needed.put(x, true);
                edges.append("  n").append(id(ids, x, nodes)).append(" -> n").append(id(ids, e.output(), nodes)).append(";\n");
            }
        }
        id(ids, output, nodes);
        return "digraph tape {\n  rankdir=LR;\n  node [shape=record, fontname=\"monospace\"];\n" + nodes + edges + "}\n";
    }

    private static int id(Map<Tensor, Integer> ids, Tensor t, StringBuilder nodes) {
        Integer id = ids.get(t);
        if (id != null) return id;
        id = ids.size();
        ids.put(t, id);
        String label = t.op() + " | " + Shape.str(t.shape) + " " + t.dtype + " | value " + summary(t)
                + (t.grad() != null ? " | grad " + summary(t.grad()) : "");
        nodes.append("  n").append(id).append(" [label=\"{").append(label.replace("\"", "'"))
                .append("}\"").append(t.isLeaf() ? (t.requiresGrad ? ", style=filled, fillcolor=lightblue" : "") : "")
                .append("];\n");
        return id;
    }

    /** The value of a one-element tensor, else its mean, min and max. */
    static String summary(Tensor t) {
        double[] v = t.toDoubleArray();
        if (v.length == 1) return fmt(v[0]);
        if (v.length == 0) return "empty";
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
            sum += x;
        }
        return "mean " + fmt(sum / v.length) + " in [" + fmt(min) + ", " + fmt(max) + "]";
    }

    private static String fmt(double x) {
        return String.format("%.4g", x);
    }
}

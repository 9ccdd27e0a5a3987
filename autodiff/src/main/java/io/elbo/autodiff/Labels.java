package io.elbo.autodiff;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of the current tape an output depends on, with a label for every tensor in it, shared by
 * {@link Dot} and {@link BackwardTrace}: a tensor's {@linkplain Tensor#name() name} when it has one,
 * else {@code t0, t1, ...} in the order the tape first met it.
 */
final class Labels {
    /** The entries the output depends on, oldest first. */
    final List<Tape.Entry> entries = new ArrayList<>();
    private final Map<Tensor, String> labels = new IdentityHashMap<>();
    private final List<Tensor> order = new ArrayList<>();
    private int unnamed;

    private Labels() {}

    /**
     * Collects the entries behind {@code output} (one reverse sweep marking what it depends on, exactly as
     * backward does) and labels their tensors; refuses an output whose part of the tape was consumed.
     */
    static Labels of(String caller, Tensor output) {
        if (!output.isLeaf() && !Tape.isLive(output)) {
            throw new IllegalStateException(caller + ": the tape that recorded this tensor was consumed by a backward pass,"
                    + " so there is nothing left to show; run it with z.backward(Tape.options().retainGraph()) to keep the"
                    + " tape (and every intermediate's gradient) for drawing");
        }
        Labels l = new Labels();
        List<Tape.Entry> all = Tape.entries();
        Map<Tensor, Boolean> needed = new IdentityHashMap<>();
        needed.put(output, true);
        for (int i = all.size() - 1; i >= 0; i--) {
            Tape.Entry e = all.get(i);
            if (!needed.containsKey(e.output())) continue;
            for (Tensor x : e.inputs()) needed.put(x, true);
            l.entries.add(0, e);
        }
        for (Tape.Entry e : l.entries) {
            for (Tensor x : e.inputs()) l.of(x);
            l.of(e.output());
        }
        l.of(output);
        return l;
    }

    /** The label of a tensor of this graph. */
    String of(Tensor t) {
        String label = labels.get(t);
        if (label == null) {
            label = t.name() != null ? t.name() : "t" + unnamed++;
            labels.put(t, label);
            order.add(t);
        }
        return label;
    }

    /** Every labelled tensor, in the order met. */
    List<Tensor> tensors() {
        return order;
    }

    /** {@code out = op(a, b)} for an entry. */
    String formula(Tape.Entry e) {
        StringBuilder sb = new StringBuilder(of(e.output())).append(" = ").append(e.op()).append('(');
        for (int i = 0; i < e.inputs().length; i++) sb.append(i > 0 ? ", " : "").append(of(e.inputs()[i]));
        return sb.append(')').toString();
    }

    /**
     * A value for a person: a one-element tensor's number, up to 6 elements listed, else the shape with the
     * mean and range.
     */
    static String value(Tensor t) {
        double[] v = t.toDoubleArray();
        if (v.length == 1) return fmt(v[0]);
        if (v.length == 0) return Shape.str(t.shape) + " empty";
        if (v.length <= 6) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < v.length; i++) sb.append(i > 0 ? ", " : "").append(fmt(v[i]));
            return sb.append(']').toString();
        }
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
            sum += x;
        }
        return Shape.str(t.shape) + " mean " + fmt(sum / v.length) + " in [" + fmt(min) + ", " + fmt(max) + "]";
    }

    /** Four significant digits, without trailing zeros: 2, -3, 7.389, 1.5e-05. */
    static String fmt(double x) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        if (x == Math.rint(x) && Math.abs(x) < 1e6) return Long.toString((long) x);
        String s = String.format("%.4g", x);
        if (s.contains("e")) {
            String[] p = s.split("e");
            return p[0].replaceAll("\\.?0+$", "") + "e" + p[1];
        }
        return s.contains(".") ? s.replaceAll("\\.?0+$", "") : s;
    }
}

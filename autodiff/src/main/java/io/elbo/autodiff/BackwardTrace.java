package io.elbo.autodiff;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A backward pass written out step by step ({@link Tape#trace}): for each entry of the tape, newest
 * first, the gradient that flowed into its output and what its rule sent to each input; then the
 * leaves' gradients. For z = x·y + eˣ at x = 2, y = −3, {@link #toString()} prints
 *
 * <pre>
 * backward pass from z, seed 1
 *   z = add(t0, t1)   gets 1          sends t0 ← 1, t1 ← 1
 *   t1 = exp(x)       gets 1          sends x ← 7.389
 *   t0 = mul(x, y)    gets 1          sends x ← -3, y ← 2
 * gradients: x = 4.389, y = 2
 * </pre>
 *
 * (x receives from two entries: its gradients are summed.) Values are shown in full up to 6 elements.
 */
public final class BackwardTrace {
    private final List<Tape.Step> steps;
    private final Map<Tensor, Tensor> leaves;
    private final String text;

    BackwardTrace(Tensor output, List<Tape.Step> steps, Map<Tensor, Tensor> leafGradients) {
        this.steps = Collections.unmodifiableList(steps);
        this.leaves = Collections.unmodifiableMap(leafGradients);
        Labels labels = Labels.of("trace", output);
        int width = 0;
        for (Tape.Step s : steps) width = Math.max(width, labels.formula(s.entry()).length());
        StringBuilder sb = new StringBuilder("backward pass from ").append(labels.of(output));
        sb.append(", seed ").append(steps.isEmpty() ? "1" : Labels.value(steps.get(0).gradientIn())).append('\n');
        for (Tape.Step s : steps) {
            String gets = Labels.value(s.gradientIn());
            sb.append("  ").append(pad(labels.formula(s.entry()), width)).append("   gets ").append(pad(gets, Math.max(8, gets.length())));
            StringBuilder sends = new StringBuilder();
            Tensor[] in = s.entry().inputs();
            for (int i = 0; i < in.length; i++) {
                if (s.sentToInputs()[i] == null) continue;
                sends.append(sends.length() > 0 ? ", " : "").append(labels.of(in[i])).append(" ← ").append(Labels.value(s.sentToInputs()[i]));
            }
            sb.append("   sends ").append(sends.length() > 0 ? sends : "nothing (no input needs a gradient)").append('\n');
        }
        StringBuilder grads = new StringBuilder();
        for (Tensor leaf : labels.tensors()) {
            Tensor g = leafGradients.get(leaf);
            if (g != null) grads.append(grads.length() > 0 ? ", " : "").append(labels.of(leaf)).append(" = ").append(Labels.value(g));
        }
        this.text = sb.append("gradients: ").append(grads.length() > 0 ? grads : "none").append('\n').toString();
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    /** The steps, in the order the reverse loop took them (newest entry first). */
    public List<Tape.Step> steps() {
        return steps;
    }

    /** The gradient of the output with respect to each leaf that requires one. */
    public Map<Tensor, Tensor> leafGradients() {
        return leaves;
    }

    /** The pass as text: one line per step, then the leaves' gradients. */
    @Override
    public String toString() {
        return text;
    }
}

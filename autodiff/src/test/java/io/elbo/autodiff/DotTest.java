package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DotTest {
    @AfterEach
    void emptyTape() {
        Tape.clear();
    }

    @Test
    void exportsOnlyWhatTheOutputDependsOnWithOpAndValueNodes() {
        Tensor a = Tensor.of(1.0, 2.0, 3.0).variable().name("a");
        Tensor unrelated = a.mul(100); // recorded, but not an ancestor of y
        Tensor y = a.exp().sum().name("y");
        String dot = Dot.export(y);
        assertTrue(dot.startsWith("digraph tape {"), dot);
        assertTrue(dot.contains("label=\"{a [3] float64 | data [1, 2, 3]}\""), dot);
        assertTrue(dot.contains("label=\"{t0 [3] float64 | data [2.718, 7.389, 20.09]}\""), dot);
        assertTrue(dot.contains("label=\"{y [] float64 | data 30.19}\""), dot);
        assertTrue(dot.contains("op0 [shape=oval, label=\"exp\"]"), dot);
        assertTrue(dot.contains("op1 [shape=oval, label=\"sum\"]"), dot);
        assertFalse(dot.contains("mul"), "only ancestors of the output are drawn: " + dot);
        assertEquals(4, dot.lines().filter(l -> l.contains("->")).count(), "value -> op -> value, twice: " + dot);
        assertEquals(300.0, unrelated.get(2));
    }

    @Test
    void afterARetainedBackwardEveryNodeShowsItsGradientAndSlotsAreLabelled() {
        Tensor x = Tensor.scalar(2.0).variable().name("x");
        Tensor y = Tensor.scalar(-3.0).variable().name("y");
        Tensor q = x.sub(y).name("q"); // sub: the order of the inputs matters, so the slots are labelled
        Tensor z = q.mul(q).name("z");
        z.backward(Tape.options().retainGraph());
        String dot = Dot.export(z);
        assertTrue(dot.contains("{x [] float64 | data 2 | grad 10}"), dot);
        assertTrue(dot.contains("{y [] float64 | data -3 | grad -10}"), dot);
        assertTrue(dot.contains("{q [] float64 | data 5 | grad 10}"), "intermediates keep their gradient: " + dot);
        assertTrue(dot.contains("{z [] float64 | data 25 | grad 1}"), dot);
        assertTrue(dot.contains("v0 -> op0 [label=\"0\"]") && dot.contains("v1 -> op0 [label=\"1\"]"), dot);
        assertTrue(dot.contains("v2 -> op1 [label=\"0\"]") && dot.contains("v2 -> op1 [label=\"1\"]"), "q feeds both slots of mul: " + dot);
        assertEquals(10.0, q.grad().item());
    }

    @Test
    void onAConsumedTapeItSaysSoInsteadOfDrawingOneNode() {
        Tensor x = Tensor.scalar(2.0).variable();
        Tensor z = x.exp().mul(3);
        z.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Dot.export(z));
        assertTrue(e.getMessage().contains("consumed by a backward pass") && e.getMessage().contains("retainGraph()"), e.getMessage());
    }

    @Test
    void pngRendersWithGraphvizOrSaysWhatToInstall(@TempDir Path dir) throws IOException {
        Tensor x = Tensor.scalar(2.0).variable().name("x");
        Tensor z = x.exp().mul(x).name("z");
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> Dot.png(z, dir.resolve("never.png"), dir.resolve("no-such-dot").toString()));
        assertTrue(missing.getMessage().contains("was not found on the PATH") && missing.getMessage().contains("apt-get install graphviz"),
                missing.getMessage());
        assertFalse(missing.getMessage().contains("\n"));
        Assumptions.assumeTrue(onPath("dot"), "Graphviz's dot is not installed (Debian: apt-get install graphviz; .ci/run installs it)");
        Path png = Dot.png(z, dir.resolve("tape.png"));
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
    }

    static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }

    @Test
    void aTraceShowsEachStepOfTheBackwardPass() {
        Tensor x = Tensor.scalar(2.0).variable().name("x");
        Tensor y = Tensor.scalar(-3.0).variable().name("y");
        Tensor z = x.mul(y).add(x.exp()).name("z");
        BackwardTrace trace = Tape.trace(z);
        assertEquals("""
                backward pass from z, seed 1
                  z = add(t0, t1)   gets 1          sends t0 ← 1, t1 ← 1
                  t1 = exp(x)       gets 1          sends x ← 7.389
                  t0 = mul(x, y)    gets 1          sends x ← -3, y ← 2
                gradients: x = 4.389, y = 2
                """, trace.toString());
        assertEquals(3, trace.steps().size());
        assertEquals(-3 + Math.exp(2), trace.leafGradients().get(x).item(), 1e-15);
        assertEquals(null, x.grad(), "a trace touches no grad()");
        z.backward(); // and leaves the tape for the real pass
        assertEquals(-3 + Math.exp(2), x.grad().item(), 1e-15);
    }
}

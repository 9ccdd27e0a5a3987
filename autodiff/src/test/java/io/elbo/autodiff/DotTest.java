package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DotTest {
    @Test
    void exportsOnlyWhatTheOutputDependsOnWithOpShapeAndValueSummaries() {
        Tensor a = Tensor.of(new double[] {1, 2, 3}).variable();
        Tensor unrelated = a.mul(100); // recorded, but not an ancestor of y
        Tensor y = a.exp().sum();
        String dot = Dot.export(y);
        Tape.clear();
        assertTrue(dot.startsWith("digraph tape {"), dot);
        assertTrue(dot.contains("{exp | [3] float64 | value mean 10.06 in [2.718, 20.09]}"), dot);
        assertTrue(dot.contains("{sum | [] float64 | value 30.19}"), dot);
        assertTrue(dot.contains("{leaf | [3] float64 | value mean 2.000 in [1.000, 3.000]}"), dot);
        assertFalse(dot.contains("mul"), "only ancestors of the output are drawn: " + dot);
        assertEquals(2, dot.lines().filter(l -> l.contains("->")).count(), dot);
        assertEquals(300.0, unrelated.get(2));
    }
}

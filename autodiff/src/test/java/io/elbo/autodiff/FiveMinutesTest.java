package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * README's "autodiff in five minutes" is this code: the test checks that README shows exactly the
 * lines between the markers below, runs them, and checks README shows exactly what they print.
 */
class FiveMinutesTest {
    static void example() {
        // README:begin
        Tensor x = Tensor.scalar(2.0).variable().name("x"); // leaves we want gradients for
        Tensor y = Tensor.scalar(-3.0).variable().name("y");
        Tensor z = x.mul(y).add(x.exp()).name("z");        // z = x·y + eˣ, recorded on the tape

        for (Tape.Entry e : Tape.entries()) {               // the tape: one entry per op, in order
            System.out.println(e.op() + " -> " + e.output());
        }
        System.out.print(Tape.trace(z));                    // the reverse loop, step by step
        z.backward(Tape.options().retainGraph());           // the real pass; keep the tape to draw it
        System.out.println("dz/dx = y + e^x = " + x.grad().item());
        System.out.println("dz/dy = x       = " + y.grad().item());
        System.out.print(Dot.export(z));                    // Graphviz; Dot.png(z, file) renders it
        // README:end
    }

    @Test
    void readmeShowsTheExampleAndItsOutputVerbatim() throws IOException {
        Path readme = TestData.path().getParent().resolve("README.md");
        String text = Files.readString(readme);
        String source = Files.readString(TestData.path().getParent()
                .resolve("autodiff/src/test/java/io/elbo/autodiff/FiveMinutesTest.java"));
        String code = source.substring(source.indexOf("// README:begin\n") + "// README:begin\n".length(),
                source.indexOf("        // README:end"));
        String dedented = code.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(text.contains("```java\n" + dedented + "```"), "README.md must show the example code verbatim:\n" + dedented);

        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            example();
        } finally {
            System.setOut(original);
            Tape.clear();
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("```text\n" + printed + "```"), "README.md must show the example's output verbatim:\n" + printed);
        assertTrue(printed.contains("dz/dx = y + e^x = " + (-3 + Math.exp(2))));
        assertEquals(2.0, Double.parseDouble(printed.lines().filter(l -> l.startsWith("dz/dy")).findFirst().orElseThrow().split("= ")[2]));
    }
}

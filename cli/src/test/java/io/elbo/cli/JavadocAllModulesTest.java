package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.TestData;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.DocumentationTool;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole project's public API is documented and its links resolve: javadoc builds nn, vae and cli (autodiff
 * has its own test, the spark module its own) with doclint, no error, no broken reference, and every public
 * type, method and field with a comment.
 */
public class JavadocAllModulesTest {
    /** Runs javadoc over {@code packages} of the modules' sources; fails on an error, a broken link or a missing comment. */
    public static void assertDocumented(Path out, List<String> modules, List<String> packages) throws IOException {
        Path root = TestData.path().getParent();
        String sourcepath = modules.stream().map(m -> root.resolve(m + "/src/main/java").toString()).collect(Collectors.joining(":"));
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        StringWriter log = new StringWriter();
        List<String> args = new java.util.ArrayList<>(List.of("-quiet", "-Xmaxwarns", "10000", "-Xmaxerrs", "10000", "--add-modules",
                "jdk.incubator.vector", "-Xdoclint:all", "-d", out.toString(), "-cp", System.getProperty("java.class.path"), "-sourcepath",
                sourcepath));
        args.addAll(packages);
        boolean ok = javadoc.getTask(log, null, null, null, args, null).call();
        String text = log.toString();
        assertTrue(ok, "javadoc failed:\n" + text);
        List<String> undocumented = text.lines().filter(l -> l.contains("warning: no comment")).collect(Collectors.toList());
        assertEquals(List.of(), undocumented, "public API without a comment");
        List<String> broken = text.lines().filter(l -> l.contains("error:") || l.contains("reference not found")).collect(Collectors.toList());
        assertEquals(List.of(), broken);
    }

    @Test
    void everyPublicTypeAndMethodOfNnVaeAndCliIsDocumented(@TempDir Path out) throws IOException {
        assertDocumented(out, List.of("autodiff", "nn", "vae", "cli"), List.of("io.elbo.nn", "io.elbo.vae", "io.elbo.vae.data", "io.elbo.cli"));
    }
}

package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.DocumentationTool;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library a student reads: javadoc builds autodiff with no error, and every public type, method and
 * field of both packages has a comment (the check {@code ./mvnw javadoc:javadoc} does not make). The other
 * modules' tests call {@link #assertDocumented} for theirs.
 */
public class JavadocTest {
    /**
     * Runs javadoc with doclint over {@code packages} of the named modules' sources (this JVM's class path);
     * fails on an error, a broken reference or a public type, method or field without a comment.
     */
    public static void assertDocumented(Path out, List<String> modules, List<String> packages) throws IOException {
        Path root = TestData.path().getParent();
        String sourcepath = modules.stream().map(m -> root.resolve(m + "/src/main/java").toString()).collect(Collectors.joining(":"));
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        StringWriter log = new StringWriter();
        List<String> args = new ArrayList<>(List.of("-quiet", "-Xmaxwarns", "10000", "-Xmaxerrs", "10000", "--add-modules",
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
    void everyPublicTypeAndMethodOfAutodiffIsDocumented(@TempDir Path out) throws IOException {
        assertDocumented(out, List.of("autodiff"), List.of("io.elbo.autodiff", "io.elbo.autodiff.backend"));
    }
}

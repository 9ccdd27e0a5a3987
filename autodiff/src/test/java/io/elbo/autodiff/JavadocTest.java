package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The library a student reads: javadoc builds autodiff with no error, and every public type, method and
 * field of both packages has a comment (the check {@code ./mvnw javadoc:javadoc} does not make).
 */
class JavadocTest {
    @Test
    void everyPublicTypeAndMethodOfAutodiffIsDocumented(@TempDir Path out) throws IOException {
        Path sources = TestData.path().getParent().resolve("autodiff/src/main/java");
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        StringWriter log = new StringWriter();
        List<String> args = List.of("-quiet", "--add-modules", "jdk.incubator.vector", "-Xdoclint:all",
                "-d", out.toString(), "-cp", System.getProperty("java.class.path"), "-sourcepath", sources.toString(),
                "io.elbo.autodiff", "io.elbo.autodiff.backend");
        boolean ok = javadoc.getTask(log, null, null, null, args, null).call();
        String text = log.toString();
        assertTrue(ok, "javadoc failed:\n" + text);
        List<String> undocumented = text.lines().filter(l -> l.contains("warning: no comment")).collect(Collectors.toList());
        assertEquals(List.of(), undocumented, "public API without a comment");
        List<String> broken = text.lines().filter(l -> l.contains("error:") || l.contains("reference not found")).collect(Collectors.toList());
        assertEquals(List.of(), broken);
    }
}

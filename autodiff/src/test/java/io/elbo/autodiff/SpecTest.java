package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SPEC.md is the specification's table of contents, and stays true: every {@code Class#method} it names is
 * a test of the suite (a {@code @Property}, {@code @Test} or {@code @ParameterizedTest} in some module's
 * {@code src/test}), and every {@code @Property} of the suite is named there.
 */
class SpecTest {
    /** A test annotation, then (past other annotations, which may span lines) the method it marks. */
    static final Pattern TEST = Pattern.compile("@(Property|Test|ParameterizedTest)\\b(?:(?!\\bvoid\\b|\\{\\s*\\n)[\\s\\S]){0,800}?\\bvoid\\s+(\\w+)\\s*\\(");
    static final Pattern CLASS = Pattern.compile("(?m)^(?:public\\s+)?(?:final\\s+)?class\\s+(\\w+)");
    static final Pattern NAMED = Pattern.compile("`(\\w+)#(\\w+)`");

    @Test
    void specMdNamesEveryPropertyAndOnlyTestsThatExist() throws IOException {
        Path root = TestData.path().getParent();
        Map<String, String> kinds = new HashMap<>(); // "Class#method" -> Property, Test, ParameterizedTest
        try (Stream<Path> files = Files.walk(root, 12)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/test/java/")).toList()) {
                String s = Files.readString(f);
                Matcher c = CLASS.matcher(s);
                if (!c.find()) continue;
                Matcher m = TEST.matcher(s);
                while (m.find()) kinds.put(c.group(1) + "#" + m.group(2), m.group(1));
            }
        }
        assertTrue(kinds.size() > 100, "found the suite's tests: " + kinds.size());
        Set<String> named = new TreeSet<>();
        Matcher n = NAMED.matcher(Files.readString(root.resolve("SPEC.md")));
        while (n.find()) named.add(n.group(1) + "#" + n.group(2));

        Set<String> missing = new TreeSet<>(named);
        missing.removeAll(kinds.keySet());
        assertEquals(Set.of(), missing, "SPEC.md names tests that do not exist");
        Set<String> unlisted = new TreeSet<>();
        kinds.forEach((test, kind) -> {
            if (kind.equals("Property") && !named.contains(test)) unlisted.add(test);
        });
        assertEquals(Set.of(), unlisted, "properties that SPEC.md does not list");
        assertTrue(List.copyOf(named).size() >= 70, "SPEC.md lists " + named.size() + " tests");
    }
}

package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.elbo.autodiff.Tape;
import io.elbo.autodiff.TestData;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The course in {@code docs/course/} runs: every lesson's ```java blocks are evaluated in order by
 * JShell (as {@code bin/course N} opens them), and each block prints exactly the ```text block that
 * follows it in the lesson (nothing, when none follows). After editing a lesson's code, run this test
 * once with {@code -Dcourse.write=true} to write the outputs into the lesson, and read them.
 */
class CourseTest {
    static final Path COURSE = TestData.path().getParent().resolve("docs/course");
    static final Pattern BLOCK = Pattern.compile("```(java|text)\\n(.*?)```\\n", Pattern.DOTALL);

    static Stream<Path> lessons() throws IOException {
        try (Stream<Path> s = Files.list(COURSE)) {
            return s.filter(p -> p.getFileName().toString().matches("\\d\\d-.*\\.md")).sorted().toList().stream();
        }
    }

    /**
     * A ```java block and the output the lesson shows for it; {@code end} is where the java block ends and
     * {@code textEnd} where its text block ends (equal when there is none).
     */
    record Block(String code, String expected, int line, int end, int textEnd) {}

    static List<Block> blocks(String md) {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(md);
        Block pending = null;
        while (m.find()) {
            if (m.group(1).equals("java")) {
                if (pending != null) out.add(pending);
                pending = new Block(m.group(2), "", md.substring(0, m.start()).split("\n", -1).length, m.end(), m.end());
            } else if (pending != null && md.substring(pending.end(), m.start()).isBlank()) {
                out.add(new Block(pending.code(), m.group(2), pending.line(), pending.end(), m.end()));
                pending = null;
            }
        }
        if (pending != null) out.add(pending);
        return out;
    }

    /** The lesson with each java block followed by the text block of what it printed (none when nothing). */
    static String rewrite(String md, List<Block> blocks, List<String> printed) {
        StringBuilder sb = new StringBuilder();
        int at = 0;
        for (int i = 0; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            sb.append(md, at, b.end());
            if (!printed.get(i).isEmpty()) sb.append("\n```text\n").append(printed.get(i)).append("```\n");
            at = b.textEnd();
        }
        return sb.append(md.substring(at)).toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lessons")
    void eachLessonRunsAndPrintsWhatItsTextShows(Path lesson) throws IOException {
        String md = Files.readString(lesson);
        List<Block> blocks = blocks(md);
        assertTrue(blocks.size() >= 2, lesson + " has too little code");
        boolean write = Boolean.getBoolean("course.write");
        List<String> printed = new ArrayList<>();
        System.setProperty("course.root", COURSE.getParent().getParent().toString());
        PrintStream original = System.out;
        try (JShell js = JShell.builder().executionEngine(new OnThisThread(), Map.of()).build()) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) js.addToClasspath(entry);
            for (Block b : blocks) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
                try {
                    run(js, b, lesson);
                } finally {
                    System.setOut(original);
                }
                printed.add(buffer.toString(StandardCharsets.UTF_8));
                if (!write) {
                    assertEquals(b.expected(), printed.get(printed.size() - 1),
                            lesson.getFileName() + ", the block at line " + b.line() + " must print what the lesson shows after it");
                }
            }
            if (write) Files.writeString(lesson, rewrite(md, blocks, printed));
        } finally {
            System.setOut(original);
            Tape.clear();
        }
    }

    /**
     * Runs the snippets on the calling thread, as the jshell tool's agent runs them all on one thread (the
     * tape is per thread; JShell's "local" engine would start a thread per snippet).
     */
    static final class OnThisThread implements ExecutionControlProvider {
        @Override
        public String name() {
            return "on-this-thread";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return new DirectExecutionControl();
        }
    }

    private static void run(JShell js, Block b, Path lesson) {
        String rest = b.code();
        SourceCodeAnalysis analysis = js.sourceCodeAnalysis();
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(rest);
            if (!info.completeness().isComplete()) fail(lesson.getFileName() + " line " + b.line() + ": incomplete snippet: " + rest);
            for (SnippetEvent e : js.eval(info.source())) {
                if (e.status() == Snippet.Status.REJECTED) {
                    StringBuilder why = new StringBuilder();
                    js.diagnostics(e.snippet()).forEach(d -> why.append(d.getMessage(null)).append("; "));
                    fail(lesson.getFileName() + " line " + b.line() + ": does not compile: " + info.source().strip() + ": " + why);
                }
                if (e.exception() != null) {
                    fail(lesson.getFileName() + " line " + b.line() + ": threw " + e.exception() + " at " + info.source().strip());
                }
            }
            rest = info.remaining();
        }
    }

    @Test
    void theCourseHasSixToEightLessonsEachListedInItsIndexAndOpenedByOneCommand() throws IOException {
        List<Path> all = lessons().toList();
        assertTrue(all.size() >= 6 && all.size() <= 8, "6 to 8 lessons: " + all);
        String index = Files.readString(COURSE.resolve("README.md"));
        for (Path p : all) assertTrue(index.contains("(" + p.getFileName() + ")"), "docs/course/README.md links " + p.getFileName());
        assertTrue(index.contains("bin/course 1"), "the index gives the jshell command");
        Path script = COURSE.getParent().getParent().resolve("bin/course");
        assertTrue(Files.isExecutable(script), "bin/course opens a lesson in jshell");
    }
}

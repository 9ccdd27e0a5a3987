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
 * The course in {@code docs/course/} runs: every lesson's ```java blocks are fed to JShell line by line,
 * exactly as {@code bin/course N} feeds them to the jshell tool (a snippet is evaluated as soon as the
 * lines so far complete one), and each block prints exactly the ```text block that follows it in the
 * lesson (nothing, when none follows). After editing a lesson's code, run this test
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
            String pending = "";
            for (Block b : blocks) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
                try {
                    pending = run(js, b, lesson, pending);
                } finally {
                    System.setOut(original);
                }
                printed.add(buffer.toString(StandardCharsets.UTF_8));
                if (!write) {
                    assertEquals(b.expected(), printed.get(printed.size() - 1),
                            lesson.getFileName() + ", the block at line " + b.line() + " must print what the lesson shows after it");
                }
            }
            assertTrue(pending.isBlank(), lesson.getFileName() + " ends in an incomplete snippet: " + pending);
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

    /**
     * Feeds one block to JShell line by line, as the jshell tool reads {@code bin/course}'s script: lines are
     * added to the pending source until it is a complete snippet (or empty), and then it is evaluated at
     * once. A line that starts with a leading-dot call ({@code .build()}) after a line that completes a
     * statement is therefore a snippet of its own, as a student sees it; so is each block's code. The
     * pending source carries over to the next block, as the script is the blocks joined.
     */
    private static String run(JShell js, Block b, Path lesson, String pending) {
        SourceCodeAnalysis analysis = js.sourceCodeAnalysis();
        String src = pending;
        String[] lines = b.code().split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) { // the code ends with a newline: the last piece is empty
            src += lines[i] + "\n";
            SourceCodeAnalysis.Completeness c = analysis.analyzeCompletion(src).completeness();
            if (c.isComplete() || c == SourceCodeAnalysis.Completeness.EMPTY) {
                evaluate(js, src, lesson, b.line() + 1 + i);
                src = "";
            }
        }
        return src;
    }

    /** Evaluates complete source as the jshell tool does: unit by unit, each one failing the test if rejected or if it throws. */
    private static void evaluate(JShell js, String src, Path lesson, int line) {
        SourceCodeAnalysis analysis = js.sourceCodeAnalysis();
        String rest = src;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(rest);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) return;
            for (SnippetEvent e : js.eval(info.source())) {
                if (e.status() == Snippet.Status.REJECTED) {
                    StringBuilder why = new StringBuilder();
                    js.diagnostics(e.snippet()).forEach(d -> why.append(d.getMessage(null)).append("; "));
                    fail(lesson.getFileName() + " line " + line + ": does not compile as jshell reads it: " + info.source().strip() + ": " + why);
                }
                if (e.exception() != null) {
                    fail(lesson.getFileName() + " line " + line + ": threw " + e.exception() + " at " + info.source().strip());
                }
            }
            rest = info.remaining();
        }
    }

    /**
     * {@code bin/course N} itself, as a student runs it: the script, the real jshell tool reading the lesson's
     * code line by line, its own remote agent. Its standard output is the lesson's header line, then exactly
     * the lesson's ```text blocks in order, then jshell's greeting: any compile error or exception would
     * appear in between. (The test's class path stands in for {@code cli/target/vae.jar}, which is built
     * after these tests; the VAE lesson reads the shipped sample in test-data/.)
     */
    @ParameterizedTest(name = "bin/course {0}")
    @MethodSource("lessons")
    void binCourseNRunsTheLessonInTheJshellToolAndPrintsExactlyItsTextBlocks(Path lesson) throws Exception {
        Path root = COURSE.getParent().getParent();
        String md = Files.readString(lesson);
        StringBuilder expected = new StringBuilder("== " + md.lines().findFirst().orElseThrow().substring(2)
                + ": the lesson's code runs first; then it is your turn (/exit to leave)\n");
        for (Block b : blocks(md)) expected.append(b.expected());
        String n = String.valueOf(Integer.parseInt(lesson.getFileName().toString().substring(0, 2)));
        ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/course").toString(), n).directory(root.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("COURSE_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "bin/course " + n + " exits 0");
        assertTrue(out.startsWith(expected.toString()) && out.substring(expected.length()).startsWith("|  Welcome to JShell"),
                "bin/course " + n + " prints the lesson's outputs, then jshell's greeting; it printed:\n" + out);
    }

    @Test
    void theCourseHasItsLessonsNumberedFromOneEachListedInItsIndexAndOpenedByOneCommand() throws IOException {
        List<Path> all = lessons().toList();
        assertTrue(all.size() >= 6, "at least 6 lessons: " + all);
        for (int i = 0; i < all.size(); i++) {
            assertTrue(all.get(i).getFileName().toString().startsWith(String.format("%02d-", i + 1)), "lesson " + (i + 1) + " is " + all.get(i));
        }
        String index = Files.readString(COURSE.resolve("README.md"));
        for (Path p : all) assertTrue(index.contains("(" + p.getFileName() + ")"), "docs/course/README.md links " + p.getFileName());
        assertTrue(index.contains("bin/course 1"), "the index gives the jshell command");
        Path script = COURSE.getParent().getParent().resolve("bin/course");
        assertTrue(Files.isExecutable(script), "bin/course opens a lesson in jshell");
    }
}

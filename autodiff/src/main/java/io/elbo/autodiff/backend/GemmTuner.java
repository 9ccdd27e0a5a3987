package io.elbo.autodiff.backend;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Chooses {@link Gemm32}'s kernel parameters on the machine it runs on, the way FFTW's wisdom and ATLAS
 * do: the candidates follow from the vector width, the register count and the cache sizes (BLIS's
 * analytical model), and a measurement picks among them; the choice is cached per CPU and JDK. The
 * parameters change only the speed, never a result's bits.
 *
 * <p>In order: a forced choice ({@code -Delbo.gemm.tile=…} or {@code ELBO_GEMM_TILE}, e.g. {@code 8x1/512/packed}
 * or just {@code 4x3}); else the cache file {@code $XDG_CACHE_HOME/elbo/} (default {@code ~/.cache/elbo/}),
 * unless {@code -Delbo.gemm.cache=off} or {@code ELBO_GEMM_CACHE=off}; else the first candidate, provisionally.
 * A cache file that cannot be read, or that names another CPU or JDK, is ignored with a one-line warning
 * on stderr (and replaced by the next measurement).
 *
 * <p>The measurement costs the run nothing it waits for: measuring means compiling every candidate's
 * kernels with C2, 1–4 s of a busy 2-core machine's time, so it is done only for work that pays for a
 * full warm-up, on a daemon thread while the warm-up runs ({@link #measureInBackground}); its choice is
 * {@link #adopt adopted} before the first training step if it has finished by then, and cached for the
 * next run when it settled. Short runs and evaluations use the cache or the default and never measure.
 */
final class GemmTuner {
    private GemmTuner() {}

    /**
     * The parameters of the products whose m, n and k are all at least {@link Gemm32#THIN}, those of the thinner
     * ones (where a tall tile's padded edge, or packing for a short depth, costs most), and how they were arrived at ("measured in 0.21 s",
     * "cached in …", "forced", or the default: {@code provisional}, the first candidate while nothing is measured), for the cpu: line.
     */
    record Choice(Gemm32.Params params, Gemm32.Params thin, String how, boolean provisional) {
        Choice(Gemm32.Params params, Gemm32.Params thin, String how) {
            this(params, thin, how, false);
        }

        /** "tile 8x1, kc 1024, packed; 4x3/1024/in-place for thin products". */
        String describe() {
            return String.format(Locale.ROOT, "tile %s, kc %d, %s%s", params.tile(), params.kc(), params.packed() ? "packed" : "in place",
                    thin.equals(params) ? "" : "; " + thin + " for thin products");
        }
    }

    /** The outcome of a measurement: the fastest candidates (wide and thin products), the seconds it took, whether its timings settled (else it is not cached). */
    record Measured(Gemm32.Params best, Gemm32.Params thin, double seconds, boolean settled) {}

    /** The cache file's first line and format version. */
    static final String HEADER = "# elbo: float32 GEMM kernel parameters measured on this machine (delete to measure again), format 2";

    /** The fields of the first processor in /proc/cpuinfo ("vendor_id", "model name", "cpu family", ...); empty where there is none. */
    private static final Map<String, String> CPU_INFO = readCpuInfo();
    /** L1 data and L2 cache sizes in bytes, from sysfs (32 KB and 512 KB where it says nothing). */
    static final int L1_BYTES = cacheBytes(1, 32 << 10), L2_BYTES = cacheBytes(2, 512 << 10);
    /** Vector registers: 32 with AVX-512 (16-lane float vectors) and on AArch64, else 16 (AVX2, SSE). */
    static final int REGISTERS = Gemm32.L >= 16 || System.getProperty("os.arch", "").equals("aarch64") ? 32 : 16;
    /**
     * The measurement's budget ({@link #measure}): beside a warm-up, whose compiles delay the kernels', the
     * rounds may wait up to 16 budgets for the JIT; the run never waits for them.
     */
    static final long BACKGROUND_BUDGET_NANOS = 1_000_000_000L;

    /** This process's choice: null until first use; replaced at most once, by {@link #adopt}. */
    private static volatile Choice current;
    /** The cache file (null: disabled), and the measurement on its daemon thread (null: none started). */
    private static Path file;
    private static Background background;
    private static boolean adopted;

    /**
     * The choice this process's products use. On first use: forced, or the cache file's; else the first
     * candidate, provisionally, until a measurement in the background ({@link #measureInBackground}) has
     * finished and is {@link #adopt adopted}. A product reads it once, so a product never mixes two choices
     * (and no choice changes a result's bits).
     */
    static Choice current() {
        Choice c = current;
        return c != null ? c : first();
    }

    private static synchronized Choice first() {
        if (current != null) return current;
        String forced = setting("elbo.gemm.tile", "ELBO_GEMM_TILE");
        String cache = setting("elbo.gemm.cache", "ELBO_GEMM_CACHE");
        if (cache == null || !cache.equalsIgnoreCase("off")) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path dir = xdg != null && !xdg.isBlank() ? Path.of(xdg, "elbo") : Path.of(System.getProperty("user.home"), ".cache", "elbo");
            file = dir.resolve(String.format(Locale.ROOT, "gemm32-%08x.txt", key().hashCode()));
        }
        Choice c = known(forced, file, key(), line -> System.err.println(line));
        if (c == null) {
            Gemm32.Params p = candidates().get(0);
            c = new Choice(p, p, "the default: not measured on this machine yet", true);
        }
        return current = c;
    }

    /**
     * Starts measuring the candidates on a daemon thread, if this process uses the default for want of a
     * measurement and none has started: the run goes on with the default meanwhile (it never waits for
     * the measurement), {@link #adopt} takes the outcome at a safe point, and the outcome is cached for
     * the next run when it settled. Returns whether it started.
     */
    static synchronized boolean measureInBackground() {
        if (!current().provisional() || background != null) return false;
        background = new Background(file, key(), () -> measure(candidates(), BACKGROUND_BUDGET_NANOS), line -> System.err.println(line));
        return true;
    }

    /**
     * At a safe point (between products: before a training's first step), makes the background
     * measurement's choice this process's if it has finished, once. Returns what happened, for a line of
     * the log ("tile 8x1, kc 1024, packed (measured in 2.31 s in the background, cached in …)", or that it
     * is still measuring), or null where no measurement was started or it was reported already.
     */
    static synchronized String adopt() {
        if (background == null || adopted) return null;
        Choice m = background.outcome();
        adopted = true;
        if (m == null) return current().describe() + " (the default; the measurement goes on in the background, for the next run)";
        if (m.how().contains("not settled")) {
            return current().describe() + " (the default: the measurement in the background did not settle in "
                    + m.how().replaceAll("^measured in ([0-9.]+ s).*", "$1") + "; measuring again next time)";
        }
        current = m;
        return m.describe() + " (" + m.how().replaceFirst("^measured in ([0-9.]+ s)", "measured in $1 in the background") + ")";
    }

    /** A measurement on a daemon thread, which the process never waits for. */
    static final class Background {
        private final Thread thread;
        private volatile Choice outcome;

        Background(Path file, String key, Supplier<Measured> measure, Consumer<String> warn) {
            thread = new Thread(() -> outcome = measured(file, key, measure, warn), "elbo-gemm-tuner");
            thread.setDaemon(true);
            thread.start();
        }

        /** The choice measured, or null while it is measuring. */
        Choice outcome() {
            return outcome;
        }

        /** Waits for the outcome (tests). */
        Choice await() throws InterruptedException {
            thread.join();
            return outcome;
        }
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null) v = System.getenv(env);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** What a cached choice is valid for: the CPU, the lane count and the JDK (the JIT that compiles the kernels). */
    static String key() {
        return String.format(Locale.ROOT, "%s | %s family %s model %s stepping %s | %d lanes | %s %s", cpuInfo("model name"),
                cpuInfo("vendor_id"), cpuInfo("cpu family"), cpuInfo("model"), cpuInfo("stepping"), Gemm32.L,
                System.getProperty("java.vm.name"), System.getProperty("java.vm.version"));
    }

    /**
     * The choice: forced if given (no file read or written), else the cache file's if it holds one for this
     * key, else measured (and written to the file, where there is one, if the measurement settled).
     * A file that is not a cache file, or holds another key, is reported by one line to warn.
     */
    static Choice choose(String forced, Path file, String key, Supplier<Measured> measure, Consumer<String> warn) {
        Choice c = known(forced, file, key, warn);
        return c != null ? c : measured(file, key, measure, warn);
    }

    /** The forced choice, else the cache file's for this key, else null (with a line to warn about a file that does not hold one). */
    static Choice known(String forced, Path file, String key, Consumer<String> warn) {
        if (forced != null) {
            Gemm32.Params p = Gemm32.Params.parse(forced);
            return new Choice(p, p, "forced");
        }
        if (file != null && Files.exists(file)) {
            try {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                if (lines.size() != 4 || !lines.get(0).equals(HEADER) || !lines.get(1).startsWith("key=") || !lines.get(2).startsWith("params=")
                        || !lines.get(3).startsWith("thin=")) {
                    warn.accept("elbo: ignoring " + file + ": not a GEMM cache file of this version; measuring again");
                } else if (!lines.get(1).substring(4).equals(key)) {
                    warn.accept("elbo: ignoring " + file + ": measured on another CPU or JDK (" + lines.get(1).substring(4) + "); measuring again");
                } else {
                    return new Choice(Gemm32.Params.parse(lines.get(2).substring(7)), Gemm32.Params.parse(lines.get(3).substring(5)), "cached in " + file);
                }
            } catch (IOException | RuntimeException e) {
                warn.accept("elbo: ignoring " + file + ": unreadable (" + e.getMessage() + "); measuring again");
            }
        }
        return null;
    }

    /** The choice measured now, written to the file (where there is one) if the measurement settled. */
    static Choice measured(Path file, String key, Supplier<Measured> measure, Consumer<String> warn) {
        Measured m = measure.get();
        String how = String.format(Locale.ROOT, "measured in %.2f s", m.seconds()) + (m.settled() ? "" : ", not settled");
        if (file != null && m.settled()) {
            try {
                Files.createDirectories(file.getParent());
                Path tmp = Files.createTempFile(file.getParent(), "gemm32", ".tmp");
                Files.writeString(tmp, HEADER + "\nkey=" + key + "\nparams=" + m.best() + "\nthin=" + m.thin() + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                how += ", cached in " + file;
            } catch (IOException | RuntimeException e) {
                warn.accept("elbo: could not cache the GEMM parameters in " + file + " (" + e.getMessage() + ")");
            }
        }
        return new Choice(m.best(), m.thin(), how);
    }

    /**
     * The depth block of a tile from the cache model: a micro-panel of B (kc × NR floats) in a quarter of
     * L2, at most 1024 (W1's whole depth, 784, in one block), a multiple of 8.
     */
    static int depthBlock(Gemm32.Tile t) {
        return Math.max(8, Math.min(1024, L2_BYTES / 4 / (4 * t.nr())) / 8 * 8);
    }

    /** The depth block that keeps a micro-panel of B in half of L1. */
    static int l1DepthBlock(Gemm32.Tile t) {
        return Math.max(8, L1_BYTES / 2 / (4 * t.nr()) / 8 * 8);
    }

    /**
     * The candidates: the tiles whose loop fits the vector registers (live registers at most the register
     * count, and at most 28, since JDK 17's C2 spilled 6 × 4's 29) and uses more than a third of them, at the
     * cache model's depth block; each read in place where it loads at most 3 values per 4 FMAs (in place,
     * every load is bounds-checked in the loop), and packed where 3 registers stay free (C2 schedules the
     * broadcasts of A early: 4 × 3 packed, with all 16 of AVX2's registers live, spilled two accumulators).
     * The winner is then tried with the depth block that keeps B's micro-panel in L1 ({@link #measure}).
     */
    static List<Gemm32.Params> candidates() {
        List<Gemm32.Params> c = new ArrayList<>();
        for (Gemm32.Tile t : Gemm32.Tile.values()) {
            if (t.live() > Math.min(REGISTERS, 28) || 3 * t.live() <= REGISTERS) continue;
            if (4 * (t.mr + t.nv) <= 3 * t.mr * t.nv) c.add(new Gemm32.Params(t, depthBlock(t), false));
            if (t.live() <= Math.min(REGISTERS, 28) - 3) c.add(new Gemm32.Params(t, depthBlock(t), true));
        }
        return c;
    }

    /**
     * How much faster than the first candidate (the incumbent: 4 × 3 in place, the tile of every machine
     * before the measurement; the cache model's kc) another must measure to be chosen. The timings of a
     * cold JVM on a shared machine move by a few percent; without it, near-ties flip from run to run.
     */
    static final double MARGIN = 0.03;
    private static final boolean VERBOSE = Boolean.getBoolean("elbo.gemm.verbose");
    /** The timed products, m, n, k and layout (0: A·B, 1: A·Bᵀ, 2: Aᵀ·B): W1's kind, small enough for many rounds. */
    private static final int[][] SHAPES = {{120, 192, 640, 0}, {120, 192, 640, 1}, {120, 192, 96, 2}};
    /** The thin ones: W1's 20-wide heads, their gradients, and the decoder's first layer (depth 20). */
    private static final int[][] THIN_SHAPES = {{120, 20, 400, 1}, {20, 192, 120, 2}, {192, 20, 120, 2}, {120, 192, 20, 0}};

    /**
     * Times each candidate on one thread, round after round, on an A·B, an A·Bᵀ and an Aᵀ·B of W1's kind
     * (120 rows, 192 columns, depths 640 and 96: larger ones left no round free of compiles on a busy machine), by the thread's CPU time where the JVM measures it (less
     * disturbed by other processes than the wall clock), and picks the least sum of its best times (if
     * {@link #MARGIN} below the first candidate's, else the first); then
     * the same on four products 20 wide or deep (the thin products' choice); then the wide winner against itself
     * with the L1 depth block. First each candidate multiplies small products of each kind 50 times, then
     * the timed ones twice, so that C2 is asked to compile its kernels (600 calls, or long loops) before the timed rounds. The rounds go on until their share of budgetNanos has passed and two rounds ran
     * with none of the kernels compiling or queued for the JIT, or until 8 shares have passed with one
     * such round; 16 without any: then the result has not settled, and is used but not cached.
     */
    static Measured measure(List<Gemm32.Params> candidates, long budgetNanos) {
        long start = System.nanoTime();
        SplittableRandom r = new SplittableRandom(1);
        float[] a = new float[120 * 640], b = new float[640 * 192], c = new float[120 * 192];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble(-1, 1);
        for (int w = 0; w < 50; w++) {
            for (Gemm32.Params p : candidates) {
                for (int layout = 0; layout < 3; layout++) Gemm32.gemm(p, false, a, 0, layout == 2, b, 0, layout == 1, c, 0, 48, 96, 16);
                Gemm32.gemm(p, false, a, 0, false, b, 0, true, c, 0, 48, 20, 16);
                Gemm32.gemm(p, false, a, 0, true, b, 0, false, c, 0, 20, 48, 16);
                Gemm32.gemm(p, false, a, 0, true, b, 0, false, c, 0, 48, 20, 16);
            }
        }
        // then the timed shapes themselves, twice: their long loops take every kernel they use (an edge's too) past C2's thresholds
        for (int w = 0; w < 2; w++) {
            for (Gemm32.Params p : candidates) {
                for (int[][] shapes : new int[][][] {SHAPES, THIN_SHAPES}) {
                    for (int[] sh : shapes) Gemm32.gemm(p, false, a, 0, sh[3] == 2, b, 0, sh[3] == 1, c, 0, sh[0], sh[1], sh[2]);
                }
            }
        }
        if (VERBOSE) System.err.printf(Locale.ROOT, "elbo.gemm: compile requests after %.0f ms%n", (System.nanoTime() - start) / 1e6);
        boolean[] settled = {true};
        Gemm32.Params best = fastest(candidates, SHAPES, System.nanoTime(), budgetNanos / 2, a, b, c, settled);
        Gemm32.Params thin = fastest(candidates, THIN_SHAPES, System.nanoTime(), budgetNanos / 4, a, b, c, settled);
        Gemm32.Params l1 = new Gemm32.Params(best.tile(), l1DepthBlock(best.tile()), best.packed());
        if (l1.kc() < best.kc()) best = fastest(List.of(best, l1), SHAPES, System.nanoTime(), budgetNanos / 4, a, b, c, settled);
        return new Measured(best, thin, (System.nanoTime() - start) / 1e9, settled[0]);
    }

    /**
     * The candidate with the least sum of best times over the shapes, in rounds as {@link #measure} says;
     * only rounds with none of the kernels compiling or queued for the JIT count (a kernel's time changes when its C2 code
     * arrives; a stable time can still be C1's), so at least two such rounds are waited for.
     */
    private static Gemm32.Params fastest(List<Gemm32.Params> candidates, int[][] shapes, long start, long budget, float[] a, float[] b, float[] c,
                                         boolean[] settled) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        boolean cpuTime = mx.isCurrentThreadCpuTimeSupported();
        int n = candidates.size();
        double[][] best = new double[n][shapes.length], round = new double[n][shapes.length];
        for (double[] row : best) java.util.Arrays.fill(row, Double.MAX_VALUE);
        int clean = 0;
        while (clean < 2 || System.nanoTime() - start < budget) {
            if (System.nanoTime() - start > 8 * budget && clean > 0) break;
            if (System.nanoTime() - start > 16 * budget) break;
            String before = kernelsCode(System.nanoTime() + budget); // wait (a share at most) for the compiles the last round asked for
            for (int i = 0; i < n; i++) {
                for (int s = 0; s < shapes.length; s++) {
                    int[] sh = shapes[s];
                    long t0 = cpuTime ? mx.getCurrentThreadCpuTime() : System.nanoTime();
                    Gemm32.gemm(candidates.get(i), false, a, 0, sh[3] == 2, b, 0, sh[3] == 1, c, 0, sh[0], sh[1], sh[2]);
                    round[i][s] = (cpuTime ? mx.getCurrentThreadCpuTime() : System.nanoTime()) - t0;
                }
            }
            // the JIT at work on the kernels, or with some queued: this round's times may be of code about to be replaced
            if (before == null || !before.equals(kernelsCode(0))) continue;
            clean++;
            for (int i = 0; i < n; i++) for (int s = 0; s < shapes.length; s++) best[i][s] = Math.min(best[i][s], round[i][s]);
        }
        settled[0] &= clean >= 1;
        int winner = 0;
        double least = Double.MAX_VALUE, first = 0;
        for (int i = 0; i < n; i++) {
            double total = 0;
            for (double t : best[i]) total += t;
            if (i == 0) first = total;
            if (total < least) {
                least = total;
                winner = i;
            }
            if (VERBOSE) {
                double flops = 0;
                for (int[] sh : shapes) flops += 2.0 * sh[0] * sh[1] * sh[2];
                System.err.printf(Locale.ROOT, "elbo.gemm: %s %.1f GFLOP/s (%d rounds without compiles)%n", candidates.get(i), flops / total, clean);
            }
        }
        return least < (1 - MARGIN) * first ? candidates.get(winner) : candidates.get(0);
    }

    /**
     * The GEMM's code (its methods' compile ids and levels, {@link #code}), polling until none of its
     * methods is queued or compiling, as {@code jcmd PID Compiler.queue} reports them, or until the
     * deadline ({@link System#nanoTime()}; 0: once): then null. "" where the JVM cannot say. A round
     * counts if this is the same before and after it: no kernel of the rounds was waiting for the JIT,
     * and none was replaced during it. Other methods' compiles do not count: the measurement runs beside
     * a warm-up that keeps the JIT busy, and they do not change the kernels' code. (A method that stays
     * with C1 is called too rarely to be queued: an edge's kernel, the dispatch.)
     */
    private static String kernelsCode(long deadline) {
        try {
            var server = ManagementFactory.getPlatformMBeanServer();
            var command = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
            String[] signature = {String[].class.getName()};
            while (true) {
                String queue = (String) server.invoke(command, "compilerQueue", new Object[] {null}, signature);
                if (queue.lines().noneMatch(GemmTuner::ours)) return code((String) server.invoke(command, "compilerCodelist", new Object[] {null}, signature));
                if (deadline == 0 || System.nanoTime() - deadline >= 0) return null;
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception | LinkageError e) {
            return "";
        }
    }

    /** Whether a line of the JIT's reports names one of the GEMM's methods. */
    private static boolean ours(String line) {
        return line.contains(Gemm32.class.getName()) || line.contains(Transpose8.class.getName()) || line.contains(Transpose16.class.getName());
    }

    /**
     * The GEMM's methods' code in use, from {@code jcmd PID Compiler.codelist}'s list ("id level state
     * method(signature) [addresses]"): "id level method" of each, sorted; it changes when one is compiled again.
     */
    static String code(String codelist) {
        return codelist.lines().filter(GemmTuner::ours).map(l -> l.trim().split(" +", 5)).filter(f -> f.length >= 4 && f[2].equals("0"))
                .map(f -> f[0] + " " + f[1] + " " + f[3]).sorted().collect(java.util.stream.Collectors.joining("\n"));
    }

    private static Map<String, String> readCpuInfo() {
        Map<String, String> fields = new LinkedHashMap<>();
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            lines.takeWhile(l -> !l.isBlank()).filter(l -> l.indexOf(':') > 0)
                    .forEach(l -> fields.putIfAbsent(l.substring(0, l.indexOf(':')).trim(), l.substring(l.indexOf(':') + 1).trim()));
        } catch (IOException | RuntimeException e) {
            // no /proc/cpuinfo (not Linux): the defaults
        }
        return fields;
    }

    /** A field of /proc/cpuinfo's first processor, or "" where there is none. */
    static String cpuInfo(String field) {
        return CPU_INFO.getOrDefault(field, "");
    }

    /** The size of cpu0's data or unified cache of this level, from /sys/devices/system/cpu/cpu0/cache, or otherwise. */
    private static int cacheBytes(int level, int otherwise) {
        for (int i = 0; i < 8; i++) {
            Path d = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + i);
            try {
                if (!Files.readString(d.resolve("level")).trim().equals(Integer.toString(level))) continue;
                if (Files.readString(d.resolve("type")).trim().equals("Instruction")) continue;
                String size = Files.readString(d.resolve("size")).trim();
                int scale = size.endsWith("K") ? 1 << 10 : size.endsWith("M") ? 1 << 20 : 1;
                return Integer.parseInt(scale == 1 ? size : size.substring(0, size.length() - 1)) * scale;
            } catch (IOException | RuntimeException e) {
                // no such index, or not Linux
            }
        }
        return otherwise;
    }
}

package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile input, generated: malformed IDX directories, damaged or tampered checkpoints, and impossible
 * option sets each end in one line on standard error with the documented exit code (1 for a failure,
 * 2 for a usage error), never a stack trace, never an OutOfMemoryError (this module's tests run with a
 * 1 GiB heap, and some cases declare gigabytes), never a hang (every case is small or refused before
 * it reads). Each property's cases are all malformed by construction: none may succeed.
 */
class HostileInputProperties {
    static Path base, tinyData, goodRun;
    static final AtomicInteger CASES = new AtomicInteger();

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte", TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte", TEST_LABELS = "t10k-labels-idx1-ubyte";
    static final String[] FILES = {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS};

    @BeforeContainer
    static void setUp() throws IOException {
        base = Files.createTempDirectory("hostile");
        tinyData = base.resolve("tiny");
        writeTiny(tinyData, 6);
        goodRun = base.resolve("good");
        CliTest.Result r = CliTest.vae("train", "--data", tinyData.toString(), "-e", "1", "--hidden", "8", "--latent", "2", "-b", "16",
                "--threads", "1", "-o", goodRun.toString());
        assertEquals(0, r.exit(), r.err());
    }

    @AfterContainer
    static void tearDown() throws IOException {
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
        System.out.println("HostileInputProperties: " + CASES.get() + " hostile cases, each a one-line error with its exit code");
    }

    // ------------------------------------------------------------------ IDX files

    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian, as IDX
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        return b.put(data).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(raw);
        }
        return out.toByteArray();
    }

    /** 48 training and 16 test images of side × side random grey values, with labels. */
    static void writeTiny(Path dir, int side) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(side);
        for (int[] set : new int[][] {{0, 48}, {2, 16}}) {
            byte[] px = new byte[set[1] * side * side], lb = new byte[set[1]];
            r.nextBytes(px);
            for (int i = 0; i < lb.length; i++) lb[i] = (byte) r.nextInt(10);
            Files.write(dir.resolve(FILES[set[0]]), idx(8, new int[] {set[1], side, side}, px));
            Files.write(dir.resolve(FILES[set[0] + 1]), idx(8, new int[] {set[1]}, lb));
        }
    }

    /** One way to break one of the four files: kind, which file, and a seed for the details. */
    record IdxCase(int kind, int file, long seed) {}

    @Provide
    Arbitrary<IdxCase> malformedIdx() {
        return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 11), Arbitraries.integers().between(0, 3),
                Arbitraries.longs()).as(IdxCase::new);
    }

    @Property(tries = 48)
    void everyMalformedIdxDirectoryEndsInOneLineWithExitCode1(@ForAll("malformedIdx") IdxCase c) throws IOException {
        Path dir = Files.createTempDirectory(base, "idx");
        writeTiny(dir, 6);
        Random r = new Random(c.seed());
        Path f = dir.resolve(FILES[c.file()]);
        byte[] b = Files.readAllBytes(f);
        boolean images = c.file() % 2 == 0;
        switch (c.kind()) {
            case 0 -> Files.write(f, java.util.Arrays.copyOf(b, r.nextInt(b.length)));                  // truncated anywhere
            case 1 -> { b[r.nextInt(2)] = (byte) (1 + r.nextInt(255)); Files.write(f, b); }              // not IDX
            case 2 -> { b[2] = (byte) (9 + r.nextInt(200)); Files.write(f, b); }                         // element type
            case 3 -> { b[3] = (byte) (r.nextBoolean() ? 0 : 5 + r.nextInt(250)); Files.write(f, b); }    // rank
            case 4 -> { ByteBuffer.wrap(b).putInt(4 + 4 * r.nextInt(b[3]), 0); Files.write(f, b); }      // a zero dimension
            case 5 -> { ByteBuffer.wrap(b).putInt(4, 0x80000000 | r.nextInt()); Files.write(f, b); }     // dimension ≥ 2³¹
            case 6 -> Files.write(f, gzip(idx(8, images ? new int[] {300_000 + r.nextInt(1_000_000), 28, 28}
                    : new int[] {200_000_000 + r.nextInt(1_000_000_000)}, new byte[1 << 16])));             // a gzip "bomb"
            case 7 -> {                                                                                   // data past the end
                byte[] extra = new byte[1 + r.nextInt(100)];
                r.nextBytes(extra);
                Files.write(f, concat(b, extra));
            }
            case 8 -> {                                                                                   // garbage
                byte[] g = new byte[r.nextInt(200)];
                r.nextBytes(g);
                if (g.length > 0) g[0] = (byte) (2 + r.nextInt(20));
                Files.write(f, g);
            }
            case 9 -> {                                                                                   // corrupt gzip
                byte[] g = new byte[10 + r.nextInt(200)];
                r.nextBytes(g);
                g[0] = 0x1f;
                g[1] = (byte) 0x8b;
                Files.write(f, g);
            }
            case 10 -> Files.write(f, images ? idx(8, new int[] {48, 36}, new byte[48 * 36])             // images of rank 2
                    : idx(8, new int[] {7}, new byte[7]));                                                // a label count that differs
            default -> writeTiny(dir.resolve("unused"), 5);                                               // test images of another size
        }
        if (c.kind() == 11) {
            Files.copy(dir.resolve("unused").resolve(TEST_IMAGES), dir.resolve(TEST_IMAGES), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(dir.resolve("unused").resolve(TEST_LABELS), dir.resolve(TEST_LABELS), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        CliTest.Result res = CliTest.vae("train", "--data", dir.toString(), "-e", "1", "--hidden", "8", "--latent", "2", "--threads", "1",
                "-o", dir.resolve("out").toString());
        assertHostileOutcome(res, 1, "IDX case " + c);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    // ------------------------------------------------------------------ checkpoints

    /** One way to damage or tamper with the good run's checkpoint, and the command that then reads it. */
    record CheckpointCase(int kind, int command, long seed) {}

    @Provide
    Arbitrary<CheckpointCase> damagedCheckpoints() {
        return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 4),
                Arbitraries.longs()).as(CheckpointCase::new);
    }

    /** Hostile values for fields of the run configuration stored in a checkpoint. */
    static final String[][] HOSTILE_CONFIG = {
        {"hidden", "[2700000]"}, {"batchSize", "0"}, {"epochs", "-3"}, {"latent", "0"}, {"rows", "0"}, {"cols", "100000"},
        {"lr", "NaN"}, {"dtype", "\"float16\""}, {"likelihood", "\"poisson\""}, {"activation", "\"swish9\""}, {"pixels", "\"grayscale\""},
        {"optimizer", "\"lbfgs\""}, {"iwaeK", "-3"}, {"limit", "-1"}, {"sigma", "0"}, {"samples", "0"}, {"data", "[1, 2]"},
        {"hidden", "[8, 8]"}, {"latent", "3"}, {"klWarmup", "-1"}, {"beta", "-2"},
    };

    /** Hostile values for the position a checkpoint records (read by --resume). */
    static final String[][] HOSTILE_POSITION = {
        {"epoch", "2147483647"}, {"epoch", "0"}, {"epoch", "x"}, {"batch", "-5"}, {"batch", "999"}, {"step", "-1"}, {"step", "7"},
        {"sums", "a,b,c,d"}, {"sums", "1,2"}, {"sums", "NaN,0,0,0"}, {"seconds", "-1"}, {"seconds", "Infinity"},
    };

    @Property(tries = 48)
    void everyDamagedCheckpointEndsInOneLineWithExitCode1(@ForAll("damagedCheckpoints") CheckpointCase c) throws Exception {
        Path dir = Files.createTempDirectory(base, "ckpt");
        Path f = dir.resolve(Runs.CHECKPOINT);
        Path good = goodRun.resolve(Runs.CHECKPOINT);
        byte[] b = Files.readAllBytes(good);
        Random r = new Random(c.seed());
        int headerEnd = 8 + (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int command = c.command();
        switch (c.kind()) {
            case 0 -> Files.write(f, java.util.Arrays.copyOf(b, r.nextInt(b.length)));                    // truncated anywhere
            case 1 -> {                                                                                     // header length
                long[] lengths = {0, 1, b.length, Long.MAX_VALUE, -1, 1L << 40};
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(lengths[r.nextInt(lengths.length)]);
                Files.write(f, b);
            }
            case 2 -> {                                                                                     // a broken header
                int at;
                do {
                    at = 8 + r.nextInt(headerEnd - 8);
                } while (b[at] == '"');
                b[at] = '"';
                Files.write(f, b);
            }
            case 3 -> {                                                                                     // a hostile run configuration
                SafeTensors.Contents k = SafeTensors.read(good);
                Map<String, String> meta = new LinkedHashMap<>(k.metadata());
                JsonObject run = JsonParser.parseString(meta.get(Runs.RUN)).getAsJsonObject();
                String[] field = HOSTILE_CONFIG[r.nextInt(HOSTILE_CONFIG.length)];
                run.add(field[0], JsonParser.parseString(field[1]));
                meta.put(Runs.RUN, run.toString());
                SafeTensors.write(f, k.entries(), meta);
            }
            case 4 -> {                                                                                     // a non-finite weight
                SafeTensors.Contents k = SafeTensors.read(good);
                List<String> names = new ArrayList<>(k.entries().keySet().stream().filter(n -> n.startsWith("model.")).toList());
                Tensor t = k.entries().get(names.get(r.nextInt(names.size()))).tensor();
                double[] v = t.toDoubleArray();
                v[r.nextInt(v.length)] = new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}[r.nextInt(3)];
                io.elbo.autodiff.InPlace.set(t, v);
                SafeTensors.write(f, k.entries(), k.metadata());
            }
            case 5 -> {                                                                                     // a parameter of another shape
                SafeTensors.Contents k = SafeTensors.read(good);
                Map<String, SafeTensors.Entry> e = new LinkedHashMap<>(k.entries());
                String name = "model.decoder.0.weight";
                e.put(name, SafeTensors.Entry.of(Tensor.zeros(io.elbo.autodiff.DType.FLOAT32, 1 + r.nextInt(5), 3)));
                SafeTensors.write(f, e, k.metadata());
            }
            case 6 -> {                                                                                     // one huge tensor, in a sparse file
                long n = 300_000_000L + r.nextInt(100_000_000);
                String json = "{\"big\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0," + 4 * n + "]}}";
                byte[] h = json.getBytes(StandardCharsets.UTF_8);
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
                    raf.write(h);
                    raf.setLength(8 + h.length + 4 * n); // sparse: takes no disk
                }
            }
            default -> {                                                                                    // a hostile position, read by --resume
                SafeTensors.Contents k = SafeTensors.read(good);
                Map<String, String> meta = new LinkedHashMap<>(k.metadata());
                String[] field = HOSTILE_POSITION[r.nextInt(HOSTILE_POSITION.length)];
                meta.put(field[0], field[1]);
                SafeTensors.write(f, k.entries(), meta);
                command = 4;
            }
        }
        String out = dir.resolve("out.png").toString();
        String[] args = switch (command) {
            case 0 -> new String[] {"eval", dir.toString(), "-k", "2", "-n", "4"};
            case 1 -> new String[] {"sample", dir.toString(), "-n", "4", "-o", out};
            case 2 -> new String[] {"reconstruct", dir.toString(), "-n", "2", "-o", out};
            case 3 -> new String[] {"interpolate", dir.toString(), "--steps", "3", "-o", out};
            default -> new String[] {"train", "--resume", dir.toString(), "--threads", "1"};
        };
        assertHostileOutcome(CliTest.vae(args), 1, "checkpoint case " + c + " with " + args[0]);
    }

    // ------------------------------------------------------------------ option sets

    /** An impossible option, with the exit code it earns: 2 for a usage error, 1 for sizes beyond memory. */
    record BadOption(String name, String value, int code) {}

    static final BadOption[] BAD_TRAIN_OPTIONS = {
        new BadOption("--hidden", "0", 2), new BadOption("--hidden", "-5", 2), new BadOption("--hidden", "abc", 2),
        new BadOption("--hidden", "2700000", 1), new BadOption("--batch-size", "0", 2), new BadOption("--batch-size", "-1", 2),
        new BadOption("--lr", "NaN", 2), new BadOption("--lr", "-1", 2), new BadOption("--lr", "Infinity", 2), new BadOption("--lr", "x", 2),
        new BadOption("--epochs", "0", 2), new BadOption("--latent", "0", 2), new BadOption("--iwae-k", "0", 2),
        new BadOption("--samples", "0", 2), new BadOption("--sigma", "0", 2), new BadOption("--optimizer", "bogus", 2),
        new BadOption("--dtype", "float16", 2), new BadOption("--likelihood", "poisson", 2), new BadOption("--activation", "swish9", 2),
        new BadOption("--pixels", "grayscale", 2), new BadOption("--threads", "0", 2), new BadOption("--limit", "-1", 2),
        new BadOption("--kl-warmup", "-1", 2), new BadOption("--beta", "-1", 2), new BadOption("--no-such-option", null, 2),
        new BadOption("--samples", "4000", 1), new BadOption("--latent", "99999999", 1), new BadOption("--epochs", "x", 2),
    };

    @Provide
    Arbitrary<List<BadOption>> badTrainOptions() {
        return Arbitraries.of(BAD_TRAIN_OPTIONS).list().ofMinSize(1).ofMaxSize(3);
    }

    @Property(tries = 40)
    void everyImpossibleOptionSetEndsInOneLineWithItsExitCode(@ForAll("badTrainOptions") List<BadOption> bad) throws IOException {
        Path dir = Files.createTempDirectory(base, "opt");
        List<String> args = new ArrayList<>(List.of("train", "--data", tinyData.toString(), "-e", "1", "-o", dir.resolve("out").toString()));
        boolean usage = false;
        for (BadOption o : bad) {
            args.add(o.name());
            if (o.value() != null) args.add(o.value());
            usage |= o.code() == 2;
        }
        // Repeating a single-valued option is itself a usage error; --hidden takes a list and may repeat.
        usage |= bad.stream().filter(o -> !o.name().equals("--hidden")).map(BadOption::name).distinct().count()
                < bad.stream().filter(o -> !o.name().equals("--hidden")).count();
        assertHostileOutcome(CliTest.vae(args.toArray(new String[0])), usage ? 2 : 1, "options " + args);
    }

    static final String[][] BAD_READER_OPTIONS = {
        {"sample", "-n", "0"}, {"sample", "-n", "100000"}, {"sample", "--columns", "0"}, {"reconstruct", "-n", "5000"},
        {"reconstruct", "--first", "2147483643"}, {"reconstruct", "--first", "-1"}, {"interpolate", "--steps", "1"},
        {"interpolate", "--from", "99999"}, {"interpolate", "--to", "-2"}, {"eval", "-k", "0"}, {"eval", "-k", "1000000000"},
        {"eval", "-n", "-4"}, {"eval", "--threads", "0"}, {"sample", "--seed", "x"}, {"reconstruct", "--bogus"},
    };

    @Property(tries = 15)
    void everyImpossibleReaderOptionEndsInOneLineWithExitCode2(@ForAll("readerOptions") String[] bad) {
        List<String> args = new ArrayList<>(List.of(bad[0], goodRun.toString()));
        args.addAll(List.of(bad).subList(1, bad.length));
        if (!bad[0].equals("eval")) args.addAll(List.of("-o", base.resolve("never.png").toString()));
        assertHostileOutcome(CliTest.vae(args.toArray(new String[0])), 2, "reader options " + args);
        assertFalse(Files.exists(base.resolve("never.png")), "nothing written on a usage error");
    }

    @Provide
    Arbitrary<String[]> readerOptions() {
        return Arbitraries.of(BAD_READER_OPTIONS);
    }

    // ------------------------------------------------------------------ the outcome

    static void assertHostileOutcome(CliTest.Result r, int code, String what) {
        CASES.incrementAndGet();
        assertEquals(code, r.exit(), what + ": exit code; stderr: " + r.err());
        Columns.assertOneMessage(what, r.err());
        Columns.assertFits(what + ", stdout", r.out());
        assertTrue(r.err().startsWith("vae"), what + ": " + r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception") || r.err().contains("Error:"),
                what + ": no stack trace or exception name: " + r.err());
    }
}

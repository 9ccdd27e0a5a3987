package io.elbo.nn;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.InPlace;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON header, then the raw little-endian data of every tensor. The
 * header maps each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets
 * into the data section) and may hold {@code "__metadata__"}, a map of strings.
 *
 * <p>Reading validates everything before allocating anything for the data: the header length is
 * bounded by the file size, every entry is well formed, byte counts agree with dtype and shape,
 * and the offsets tile the data section exactly (no gap, no overlap, nothing outside). Data is then
 * read in fixed-size chunks straight into the tensors, so the allocations for tensors equal their
 * validated sizes, which sum to at most the file's size. Writing is atomic: a temporary file in
 * the same directory is written, forced to disk and renamed over the target.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** The dtypes this project reads and writes. */
    public enum ElementType {
        /** float32, 4 bytes little-endian. */
        F32(4),
        /** float64, 8 bytes little-endian. */
        F64(8),
        /** An unsigned byte (the random generator's state). */
        U8(1);

        final int size;

        ElementType(int size) {
            this.size = size;
        }
    }

    /** One stored array: float32/float64 as a {@link Tensor}, U8 as raw bytes. */
    public record Entry(ElementType dtype, int[] shape, Tensor tensor, byte[] bytes) {
        /** An F32 or F64 entry holding {@code t} itself (not a copy), by {@code t}'s dtype. */
        public static Entry of(Tensor t) {
            return new Entry(t.dtype() == DType.FLOAT32 ? ElementType.F32 : ElementType.F64, t.shape(), t, null);
        }

        /** A U8 entry of shape [b.length] holding a copy of {@code b}. */
        public static Entry ofBytes(byte[] b) {
            return new Entry(ElementType.U8, new int[] {b.length}, null, b.clone());
        }

        long byteCount() {
            long n = dtype.size;
            for (int d : shape) n *= d;
            return n;
        }
    }

    /** What a file holds: entries by name, in file order, and the metadata. */
    public record Contents(Map<String, Entry> entries, Map<String, String> metadata) {}

    /** The largest header accepted (the reference implementation's limit). */
    static final long MAX_HEADER = 100L << 20;
    private static final TypeAdapter<JsonElement> STRICT_JSON = new Gson().getAdapter(JsonElement.class);
    private static final int CHUNK = 1 << 16;

    // ------------------------------------------------------------------ writing

    /** Writes the entries, in the map's order, and the metadata (may be empty) to {@code path}, atomically (see the class comment). */
    public static void write(Path path, Map<String, Entry> entries, Map<String, String> metadata) throws CheckpointException {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getKey().equals("__metadata__")) throw new CheckpointException("tensor name '__metadata__' is reserved");
            Entry t = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype().name());
            JsonArray shape = new JsonArray();
            for (int d : t.shape()) shape.add(d);
            o.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + t.byteCount());
            o.add("data_offsets", offsets);
            header.add(e.getKey(), o);
            offset += t.byteCount();
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // pad with spaces so the data starts 8-byte aligned
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = temporarySibling(path); // in the file's directory, which must exist (none is created)
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(padded).put(json);
                while (head.hasRemaining()) head.put((byte) ' ');
                head.flip();
                writeFully(ch, head);
                ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                for (Entry t : entries.values()) writeData(ch, buf, t);
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // make the rename itself durable
            } catch (IOException ignored) {
                // some file systems cannot sync a directory; the data itself is already on disk
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + path + ": " + IoErrors.reason(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the target was not replaced
                }
            }
        }
    }

    private static void writeData(FileChannel ch, ByteBuffer buf, Entry t) throws IOException {
        if (t.dtype() == ElementType.U8) {
            writeFully(ch, ByteBuffer.wrap(t.bytes()));
            return;
        }
        int n = t.tensor().numel();
        int per = CHUNK / t.dtype().size;
        for (int i = 0; i < n; i += per) {
            int k = Math.min(per, n - i);
            buf.clear();
            InPlace.get(t.tensor(), i, k, t.dtype() == ElementType.F32 ? buf.asFloatBuffer() : buf.asDoubleBuffer());
            buf.limit(k * t.dtype().size);
            writeFully(ch, buf);
        }
    }

    /**
     * A fresh name for a temporary sibling of {@code path}: {@code .NAME.PID-RANDOM.tmp}, unique to this
     * process and call, so two writers never share one; created by the caller with {@code CREATE_NEW},
     * which gives it the umask's permissions (unlike {@link Files#createTempFile}, which makes it 0600).
     */
    public static Path temporarySibling(Path path) {
        Path abs = path.toAbsolutePath();
        return abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1) + TEMPORARY_SUFFIX);
    }

    /** The suffix of {@link #temporarySibling} names, by which a later run finds what a killed one left. */
    public static final String TEMPORARY_SUFFIX = ".tmp";

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    // ------------------------------------------------------------------ reading

    private record Declared(String name, ElementType dtype, int[] shape, long begin, long end) {}

    /** Reads and validates a file (see the class comment); a file that is not well formed gives an exception naming the problem. */
    public static Contents read(Path path) throws CheckpointException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new CheckpointException(path + ": " + size + " bytes is too short for a safetensors file");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, path);
            long n = lenBuf.flip().getLong();
            if (n < 2 || n > size - 8 || n > MAX_HEADER) {
                throw new CheckpointException(path + ": not a safetensors file (the header length its first 8 bytes give, "
                        + Long.toUnsignedString(n) + ", does not fit in the file's " + size + " bytes)");
            }
            ByteBuffer headBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headBuf, 8, path);
            String json = StandardCharsets.UTF_8.newDecoder().decode(headBuf.flip()).toString();
            long dataStart = 8 + n, dataLength = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Declared> declared = parseHeader(path, json, dataLength, metadata);

            long needed = 0;
            for (Declared d : declared) needed += d.end() - d.begin();
            long heap = Runtime.getRuntime().maxMemory();
            // A file may be sparse, so its size bounds nothing; and what it loads into takes as much again.
            if (needed > heap / 2) {
                throw new CheckpointException(path + ": its tensors take " + (needed >> 20) + " MiB to load, more than this JVM's heap of "
                        + (heap >> 20) + " MiB allows (raise it with -Xmx)");
            }
            Map<String, Entry> entries = new LinkedHashMap<>();
            // One reusable chunk, no larger than the data itself: allocation stays bounded by the file.
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(8, dataLength))).order(ByteOrder.LITTLE_ENDIAN);
            for (Declared d : declared) entries.put(d.name(), readEntry(ch, buf, d, dataStart, path));
            return new Contents(entries, metadata);
        } catch (CheckpointException e) {
            throw e;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CheckpointException(path + ": the header is not valid UTF-8");
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + path + ": " + IoErrors.reason(e), e);
        }
    }

    private static List<Declared> parseHeader(Path path, String json, long dataLength, Map<String, String> metadata)
            throws CheckpointException {
        JsonElement root;
        try {
            JsonReader reader = new JsonReader(new StringReader(json));
            reader.setStrictness(Strictness.STRICT);
            root = STRICT_JSON.read(reader); // JsonParser.parseReader would switch to lenient mode
            if (reader.peek() != JsonToken.END_DOCUMENT) throw new JsonParseException("trailing data");
        } catch (JsonParseException | IOException | IllegalStateException | StackOverflowError e) {
            throw new CheckpointException(path + ": the header is not valid JSON");
        }
        if (!root.isJsonObject()) throw new CheckpointException(path + ": the header is not a JSON object");
        List<Declared> out = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                if (!e.getValue().isJsonObject()) throw new CheckpointException(path + ": __metadata__ is not an object");
                for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                    if (!isString(m.getValue())) throw new CheckpointException(path + ": __metadata__ value '" + m.getKey() + "' is not a string");
                    metadata.put(m.getKey(), m.getValue().getAsString());
                }
                continue;
            }
            out.add(parseEntry(path, name, e.getValue(), dataLength));
        }
        // The entries must tile the data section exactly, in offset order.
        out.sort(Comparator.comparingLong(Declared::begin).thenComparingLong(Declared::end));
        long expect = 0;
        for (Declared d : out) {
            if (d.begin() < expect) throw new CheckpointException(path + ": tensor '" + d.name() + "' overlaps the previous tensor");
            if (d.begin() > expect) throw new CheckpointException(path + ": tensor '" + d.name() + "' leaves a gap before it");
            expect = d.end();
        }
        if (expect != dataLength) {
            throw new CheckpointException(path + ": the data section has " + (dataLength - expect) + " bytes that no tensor uses");
        }
        return out;
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && ((JsonPrimitive) e).isString();
    }

    private static Declared parseEntry(Path path, String name, JsonElement v, long dataLength) throws CheckpointException {
        String where = path + ": tensor '" + name + "'";
        if (!v.isJsonObject()) throw new CheckpointException(where + ": entry is not an object");
        JsonObject o = v.getAsJsonObject();
        for (String key : o.keySet()) {
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw new CheckpointException(where + ": unknown field '" + key + "'");
            }
        }
        JsonElement dt = o.get("dtype");
        if (dt == null || !isString(dt)) throw new CheckpointException(where + ": missing dtype");
        ElementType dtype;
        try {
            dtype = ElementType.valueOf(dt.getAsString());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": unsupported dtype '" + dt.getAsString() + "' (F32, F64, U8)");
        }
        JsonElement sh = o.get("shape");
        if (sh == null || !sh.isJsonArray()) throw new CheckpointException(where + ": missing shape");
        JsonArray sa = sh.getAsJsonArray();
        if (sa.size() > 64) throw new CheckpointException(where + ": shape has " + sa.size() + " dimensions");
        int[] shape = new int[sa.size()];
        long bytes = dtype.size;
        for (int i = 0; i < shape.length; i++) {
            long d = nonNegativeInteger(sa.get(i), where + ": shape");
            if (d > Integer.MAX_VALUE) throw new CheckpointException(where + ": dimension " + d + " is too large");
            shape[i] = (int) d;
            bytes = d != 0 && bytes > Long.MAX_VALUE / d ? Long.MAX_VALUE : bytes * d; // saturates, never wraps
        }
        JsonElement off = o.get("data_offsets");
        if (off == null || !off.isJsonArray() || off.getAsJsonArray().size() != 2) {
            throw new CheckpointException(where + ": data_offsets must be [begin, end]");
        }
        long begin = nonNegativeInteger(off.getAsJsonArray().get(0), where + ": data_offsets");
        long end = nonNegativeInteger(off.getAsJsonArray().get(1), where + ": data_offsets");
        if (begin > end || end > dataLength) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the data section ("
                    + dataLength + " bytes)");
        }
        if (end - begin != bytes) {
            throw new CheckpointException(where + ": " + dtype + " " + java.util.Arrays.toString(shape) + " needs "
                    + (bytes == Long.MAX_VALUE ? "over 2^63" : Long.toString(bytes)) + " bytes, data_offsets give " + (end - begin));
        }
        long numel = bytes / dtype.size;
        if (numel > Integer.MAX_VALUE - 8) throw new CheckpointException(where + ": " + numel + " elements is too many");
        return new Declared(name, dtype, shape, begin, end);
    }

    private static long nonNegativeInteger(JsonElement e, String where) throws CheckpointException {
        if (e == null || !e.isJsonPrimitive() || !((JsonPrimitive) e).isNumber()) throw new CheckpointException(where + " holds a non-number");
        java.math.BigDecimal d;
        try {
            d = e.getAsBigDecimal();
        } catch (NumberFormatException ex) {
            throw new CheckpointException(where + " holds a malformed number");
        }
        if (d.signum() < 0 || d.scale() > 0 && d.stripTrailingZeros().scale() > 0 || d.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE / 4)) > 0) {
            throw new CheckpointException(where + " holds " + e + ", not a non-negative integer");
        }
        return d.longValue();
    }

    private static Entry readEntry(FileChannel ch, ByteBuffer buf, Declared d, long dataStart, Path path) throws IOException {
        long pos = dataStart + d.begin();
        int count = (int) ((d.end() - d.begin()) / d.dtype().size);
        if (d.dtype() == ElementType.U8) {
            ByteBuffer b = ByteBuffer.allocate(count);
            readFully(ch, b, pos, path);
            return new Entry(ElementType.U8, d.shape(), null, b.array());
        }
        Tensor t = Tensor.zeros(d.dtype() == ElementType.F32 ? DType.FLOAT32 : DType.FLOAT64, d.shape());
        int per = buf.capacity() / d.dtype().size;
        for (int i = 0; i < count; i += per) {
            int k = Math.min(per, count - i);
            buf.clear().limit(k * d.dtype().size);
            readFully(ch, buf, pos + (long) i * d.dtype().size, path);
            buf.flip();
            InPlace.put(d.dtype() == ElementType.F32 ? buf.asFloatBuffer() : buf.asDoubleBuffer(), t, i, k);
        }
        return new Entry(d.dtype(), d.shape(), t, null);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position, Path path) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) throw new CheckpointException(path + ": file ends early (truncated)");
            p += r;
        }
    }
}

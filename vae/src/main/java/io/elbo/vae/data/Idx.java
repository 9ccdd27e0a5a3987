package io.elbo.vae.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format of MNIST, Fashion-MNIST, KMNIST and the like, raw or gzipped: a big-endian magic
 * number {@code 00 00 TT NN} (TT the element type, NN the number of dimensions), NN big-endian
 * 32-bit sizes, then the elements in row-major order. Only unsigned bytes (TT = 0x08) are read; they
 * are what these data sets hold.
 *
 * <p>Everything is validated before it is trusted: the magic number, the element type, the number
 * of dimensions (1 to 4), every size, their product against {@link #MAX_ELEMENTS} and, for a raw
 * file, against the file's length. The data is read in chunks into a buffer that grows only with
 * the bytes actually present, so a file that claims more than it holds fails with "truncated"
 * instead of allocating what it claims.
 */
public final class Idx {
    private Idx() {}

    /** The largest array accepted: 1 GiB of bytes. */
    public static final long MAX_ELEMENTS = 1L << 30;

    /**
     * Heap an element takes once loaded, checked against {@link Runtime#maxMemory()} before any data is
     * read: 1 byte here, up to half again while the buffer grows, 4 as a float pixel of a {@link Dataset}.
     */
    static final long BYTES_PER_ELEMENT_LOADED = 6;

    /** An array of unsigned bytes with its dimensions. */
    public record Array(int[] dims, byte[] data) {
        /** The number of items, the first dimension. */
        public int count() { return dims[0]; }

        /** Elements per item: the product of all dimensions but the first. */
        public int itemSize() {
            int n = 1;
            for (int i = 1; i < dims.length; i++) n *= dims[i];
            return n;
        }
    }

    /** A check of the dimensions, run after the header is read and before any data is: throws to refuse the file. */
    @FunctionalInterface
    public interface DimsCheck {
        /** Refuses the file, by throwing, if {@code dims} is not what the caller expects. */
        void check(int[] dims) throws IdxException;
    }

    /** Reads a raw or gzipped IDX file of unsigned bytes (see the class comment). */
    public static Array read(Path path) throws IdxException {
        return read(path, dims -> { });
    }

    /** {@link #read(Path)}, refusing the file by {@code check} before its data is read. */
    public static Array read(Path path, DimsCheck check) throws IdxException {
        long fileSize;
        try {
            fileSize = Files.size(path);
        } catch (IOException e) {
            throw new IdxException(path + ": cannot read (" + io.elbo.nn.IoErrors.reason(e) + ")");
        }
        try (InputStream in = Files.newInputStream(path)) {
            return sniffed(in, path.toString(), fileSize, "the file ends inside the gzip stream", check);
        } catch (IdxException e) {
            throw e;
        } catch (IOException e) { // opening or closing the file
            throw new IdxException(path + ": cannot read (" + io.elbo.nn.IoErrors.reason(e) + ")");
        }
    }

    /**
     * Reads an IDX array, raw or gzipped, from a stream (a resource on the class path, say);
     * {@code name} is what error messages call it. The stream is read to its end, not closed.
     */
    public static Array read(InputStream stream, String name) throws IdxException {
        return read(stream, name, dims -> { });
    }

    /** {@link #read(InputStream, String)}, refusing the stream by {@code check} before its data is read. */
    public static Array read(InputStream stream, String name, DimsCheck check) throws IdxException {
        return sniffed(stream, name, -1, "the stream ends inside the gzip data", check);
    }

    /**
     * Reads raw or gzipped IDX (told apart by the gzip magic bytes) from a stream of {@code rawSize}
     * bytes when known (else −1), with every read failure as a one-line {@link IdxException};
     * {@code truncatedGzip} says where a gzip stream that ends early ended.
     */
    private static Array sniffed(InputStream stream, String name, long rawSize, String truncatedGzip, DimsCheck check) throws IdxException {
        try {
            InputStream raw = new BufferedInputStream(stream);
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            return gzip ? read(new GZIPInputStream(raw, 1 << 16), name, -1, check) : read(raw, name, rawSize, check);
        } catch (IdxException e) {
            throw e;
        } catch (ZipException e) {
            throw new IdxException(name + ": corrupt gzip data (" + e.getMessage() + ")");
        } catch (EOFException e) {
            throw new IdxException(name + ": truncated (" + truncatedGzip + ")");
        } catch (IOException e) {
            throw new IdxException(name + ": cannot read (" + io.elbo.nn.IoErrors.reason(e) + ")");
        }
    }

    /** Reads from a stream; {@code knownSize} is the stream's length when known (raw files), else −1. */
    static Array read(InputStream in, String name, long knownSize, DimsCheck check) throws IOException {
        byte[] magic = readExactly(in, 4, name, "the magic number");
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxException(name + ": not an IDX file (magic number " + hex(magic) + ", expected 00 00 08 0N)");
        }
        if (magic[2] != 0x08) {
            throw new IdxException(name + ": element type 0x" + String.format("%02x", magic[2] & 0xff)
                    + " is not supported (only unsigned bytes, 0x08)");
        }
        int rank = magic[3] & 0xff;
        if (rank < 1 || rank > 4) throw new IdxException(name + ": " + rank + " dimensions (expected 1 to 4)");
        byte[] dimBytes = readExactly(in, 4 * rank, name, "the dimensions");
        int[] dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            long d = ((dimBytes[4 * i] & 0xffL) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16) | ((dimBytes[4 * i + 2] & 0xff) << 8)
                    | (dimBytes[4 * i + 3] & 0xff);
            if (d == 0 || d > Integer.MAX_VALUE) throw new IdxException(name + ": dimension " + i + " is " + d);
            dims[i] = (int) d;
            count *= d;
            if (count > MAX_ELEMENTS) {
                throw new IdxException(name + ": dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                        + "... hold more than " + MAX_ELEMENTS + " elements");
            }
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (count * BYTES_PER_ELEMENT_LOADED > heap) { // a small gzip file can claim (and inflate to) a gigabyte
            throw new IdxException(name + ": dimensions " + Arrays.toString(dims) + " take " + (count * BYTES_PER_ELEMENT_LOADED >> 20)
                    + " MiB once loaded, more than this JVM's heap of " + (heap >> 20) + " MiB (raise it with -Xmx)");
        }
        check.check(dims);
        long header = 4 + 4L * rank;
        if (knownSize >= 0 && knownSize != header + count) {
            throw new IdxException(name + ": dimensions " + Arrays.toString(dims) + " need " + (header + count) + " bytes, the file has "
                    + knownSize + (knownSize < header + count ? " (truncated)" : ""));
        }
        byte[] data = readGrowing(in, (int) count, name, dims);
        if (in.read() != -1) {
            throw new IdxException(name + ": data continues past the " + count + " elements of " + Arrays.toString(dims));
        }
        return new Array(dims, data);
    }

    private static byte[] readExactly(InputStream in, int n, String name, String what) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) throw new IdxException(name + ": truncated (the file ends inside " + what + ")");
        return b;
    }

    /** Reads exactly {@code n} bytes into a buffer that doubles as data arrives (never sized by the claim alone). */
    private static byte[] readGrowing(InputStream in, int n, String name, int[] dims) throws IOException {
        byte[] buf = new byte[Math.min(n, 1 << 16)]; // 64 KiB to start, then only as data arrives
        int filled = 0;
        while (filled < n) {
            if (filled == buf.length) buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
            int r = in.read(buf, filled, buf.length - filled);
            if (r < 0) {
                throw new IdxException(name + ": truncated (" + filled + " of the " + n + " bytes that " + Arrays.toString(dims)
                        + " needs)");
            }
            filled += r;
        }
        return buf;
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(s.length() == 0 ? "" : " ").append(String.format("%02x", x & 0xff));
        return s.toString();
    }
}

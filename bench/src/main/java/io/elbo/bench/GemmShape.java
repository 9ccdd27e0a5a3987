package io.elbo.bench;

/**
 * A product of the GEMM benchmarks, parsed from "m x n x k:LAYOUT" (C = op(A)·op(B), m×n, inner size k;
 * LAYOUT is two letters, N = as stored, T = transposed, for A then B).
 */
record GemmShape(int m, int n, int k, boolean transA, boolean transB) {
    static GemmShape parse(String shape) {
        String[] parts = shape.split(":");
        String[] dims = parts[0].split("x");
        if (dims.length != 3 || parts.length != 2 || !parts[1].matches("[NT][NT]")) {
            throw new IllegalArgumentException("GEMM shape: expected m x n x k:LAYOUT such as 128x400x784:NT, got " + shape);
        }
        return new GemmShape(Integer.parseInt(dims[0]), Integer.parseInt(dims[1]), Integer.parseInt(dims[2]),
                parts[1].charAt(0) == 'T', parts[1].charAt(1) == 'T');
    }

    /** A seed for the benchmark's random operands, fixed per shape. */
    long seed() {
        return m * 31L + n * 7L + k;
    }
}

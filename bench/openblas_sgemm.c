// W2 reference without PyTorch: OpenBLAS's sgemm GFLOP/s on W1's shapes, the protocol of bench/openblas_gemm.py
// (best of 5 timings of many calls), by the wall clock, or with "cpu" by the calling thread's CPU time (one
// thread only: OpenBLAS then computes on the caller), to compare with io.elbo.bench.GemmCpuTime on a busy machine.
//   apt-get download libopenblas0-openmp libgfortran5 && dpkg -x each into root/
//   R=root/usr/lib/x86_64-linux-gnu; gcc -O2 -o sgemm bench/openblas_sgemm.c -L $R/openblas-openmp -l:libopenblas.so.0 -Wl,-rpath-link,$R
//   LD_LIBRARY_PATH=$R/openblas-openmp:$R ./sgemm THREADS [cpu]
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
enum {RowMajor = 101, NoTrans = 111, Trans = 112};
void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
void openblas_set_num_threads(int);
static int cpu;
static double now(void) { struct timespec t; clock_gettime(cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    cpu = argc > 2 && argv[2][0] == 'c';
    openblas_set_num_threads(threads);
    int S[][4] = {{128,400,784,1},{128,784,400,1},{128,400,784,0},{784,400,128,2},{400,784,128,2},
                  {128,20,400,1},{128,400,20,1},{128,400,20,0},{20,400,128,2},{400,20,128,2},
                  {512,400,784,1},{512,784,400,0},{784,400,512,2}};
    const char *L[] = {"NN", "NT", "TN"};
    for (int s = 0; s < 13; s++) {
        int m = S[s][0], n = S[s][1], k = S[s][2], lay = S[s][3];
        float *a = malloc(4L * m * k), *b = malloc(4L * k * n), *c = malloc(4L * m * n);
        for (long i = 0; i < (long) m * k; i++) a[i] = (float) rand() / RAND_MAX - 0.5f;
        for (long i = 0; i < (long) k * n; i++) b[i] = (float) rand() / RAND_MAX - 0.5f;
        int ta = lay == 2, tb = lay == 1;
        int reps = 2e9 / (2.0 * m * n * k); if (reps < 10) reps = 10;
        double best = 1e30;
        for (int r = 0; r < 5; r++) {
            double t0 = now();
            for (int i = 0; i < reps; i++)
                cblas_sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, m, n, k, 1.f, a, ta ? m : k, b, tb ? k : n, 0.f, c, n);
            double t = (now() - t0) / reps; if (t < best) best = t;
        }
        printf("%dx%dx%d %s %d %.1f\n", m, n, k, L[lay], threads, 2.0 * m * n * k / best / 1e9);
        free(a); free(b); free(c);
    }
    return 0;
}

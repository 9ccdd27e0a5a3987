#!/bin/sh
# W1 end to end: `vae train` against PyTorch + OpenBLAS (bench/pytorch_w1.py), alternating, in one session.
# Needs Debian's dataset-fashion-mnist, python3-torch and libopenblas0-openmp, and cli/target/vae.jar.
#   sh bench/w1_compare.sh ROUNDS EPOCHS THREADS BATCH DTYPE      e.g.  sh bench/w1_compare.sh 3 10 2 128 float32
# Prints for each run the per-epoch lines, the test -ELBO, the IWAE-1000 bound (first 1000 test images, with
# its time) and the peak RSS (GNU time).
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}; epochs=${2:-10}; threads=${3:-2}; batch=${4:-128}; dtype=${5:-float32}
out=$(mktemp -d)
for r in $(seq 1 "$rounds"); do
  echo "== round $r: ours, $threads threads, batch $batch, $dtype"
  /usr/bin/time -f "peak RSS %M KB, wall %e s (train)" "$here/bin/vae" train -e "$epochs" --threads "$threads" -b "$batch" --dtype "$dtype" \
      -o "$out/run$r" 2>&1 | grep -v "^WARNING"
  /usr/bin/time -f "peak RSS %M KB, wall %e s (eval)" "$here/bin/vae" eval "$out/run$r" -k 1000 -n 1000 --threads "$threads" 2>&1 \
      | grep -v "^WARNING\|^data\|^model"
  echo "== round $r: PyTorch, $threads threads, batch $batch, $dtype"
  /usr/bin/time -f "peak RSS %M KB, wall %e s" /usr/bin/python3 "$here/bench/pytorch_w1.py" --epochs "$epochs" --threads "$threads" \
      --batch-size "$batch" --dtype "$dtype" 2>&1
done
rm -rf "$out"

#!/bin/sh
# W4, how tight the bound gets: ours and PyTorch's plain, planar-flow, IAF and two-layer VAEs (gaussian, planar:K,
# iaf:K, two-layer), each trained the same way and scored by `vae eval` on the same fixed-binarised test images.
# Needs Debian's dataset-fashion-mnist, python3-torch with libopenblas0-openmp, and a packaged build
# (./mvnw -q -DskipTests package).
#   sh bench/bounds_table.sh OUT_DIR [EPOCHS] [K] [IMAGES] [POSTERIOR...]
#   e.g. sh bench/bounds_table.sh /tmp/w4 10 5000 1000 gaussian planar:8 iaf:2 two-layer
# Training: --pixels dynamic, batch 128, Adam 1e-3; ours by `vae train` (2 threads), theirs by
# bench/pytorch_bounds.py (TORCH_THREADS, default 1: bound quality, not speed, is measured here; OpenMP spin-waits
# made a 2-thread planar epoch 20x slower on a busy machine) and `vae import`. Scoring: `vae eval RUN -k K -n IMAGES --per-image` (and -k 1 for the
# ELBO of the same images), then bench/bounds_table.py prints the Markdown table.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?OUT_DIR}; epochs=${2:-10}; k=${3:-5000}; n=${4:-1000}
shift $(( $# < 4 ? $# : 4 ))
[ $# -gt 0 ] || set -- gaussian planar:8 iaf:2 two-layer
data=/usr/share/datasets/fashion-mnist
mkdir -p "$out"
for post in "$@"; do
  name=$(echo "$post" | tr ':' '-')
  if [ ! -f "$out/ours-$name/checkpoint.safetensors" ]; then
    case "$post" in
      gaussian) model="" ;;
      two-layer) model="--hidden 200,200 --latent 100,50" ;;   # Burda et al.'s two stochastic layers
      *) model="--flow $post" ;;
    esac
    # shellcheck disable=SC2086
    /usr/bin/time -f "ours $post: wall %e s, peak RSS %M KB" "$here/bin/vae" train --data "$data" --pixels dynamic $model \
        -e "$epochs" -b 128 --threads 2 -o "$out/ours-$name" 2>&1 | grep -v "^WARNING" | tail -4
  fi
  if [ ! -f "$out/torch-$name/checkpoint.safetensors" ]; then
    if [ "$post" = two-layer ]; then  # its own script; it scores itself too, here on one image only (vae eval scores below)
      /usr/bin/time -f "PyTorch $post: wall %e s, peak RSS %M KB" /usr/bin/python3 "$here/bench/pytorch_hvae.py" --epochs "$epochs" \
          --threads "${TORCH_THREADS:-1}" --k 1 --n 1 --elbo-images 1 --save "$out/torch-$name.safetensors" 2>&1 | tail -3
    else
      /usr/bin/time -f "PyTorch $post: wall %e s, peak RSS %M KB" /usr/bin/python3 "$here/bench/pytorch_bounds.py" --posterior "$post" \
          --epochs "$epochs" --threads "${TORCH_THREADS:-1}" --out "$out/torch-$name.safetensors" 2>&1 | tail -3
    fi
    "$here/bin/vae" import "$out/torch-$name.safetensors" -o "$out/torch-$name" 2>&1 | grep -v "^WARNING" | tail -1
  fi
  for who in ours torch; do
    run="$out/$who-$name"
    [ -f "$run/bound-$k.csv" ] || "$here/bin/vae" eval "$run" --data "$data" -k "$k" -n "$n" --threads 2 --json \
        --per-image "$run/bound-$k.csv" > "$run/eval-$k.json"
    [ -f "$run/bound-1.csv" ] || "$here/bin/vae" eval "$run" --data "$data" -k 1 -n "$n" --threads 2 --json \
        --per-image "$run/bound-1.csv" > "$run/eval-1.json"
  done
done
/usr/bin/python3 "$here/bench/bounds_table.py" "$out" "$k" "$@"

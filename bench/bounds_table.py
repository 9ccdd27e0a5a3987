#!/usr/bin/python3
"""The W4 table from bench/bounds_table.sh's directory: per model, ours and PyTorch's -L_k with its standard
error over the images, the paired difference to the plain VAE (same images) with its standard error, and the
gap -ELBO - (-L_k) on the same images (the KL from q to the true posterior that k samples recover).

    /usr/bin/python3 bench/bounds_table.py OUT_DIR K POSTERIOR...
"""
import csv, math, sys


def column(path):
    with open(path) as f:
        return [float(r["neg_L_k"]) for r in csv.DictReader(f)]


def mean_se(values):
    n = len(values)
    m = sum(values) / n
    var = sum((v - m) ** 2 for v in values) / (n - 1)
    return m, math.sqrt(var / n)


def main():
    out, k, posteriors = sys.argv[1], sys.argv[2], sys.argv[3:]
    print(f"| model | who | -L_{k} ± SE | minus plain's (paired) ± SE | -ELBO (same images) | gap -ELBO - (-L_{k}) ± SE |")
    print("|---|---|---|---|---|---|")
    for post in posteriors:
        name = post.replace(":", "-")
        for who, label in (("ours", "ours"), ("torch", "PyTorch")):
            bound = column(f"{out}/{who}-{name}/bound-{k}.csv")
            elbo = column(f"{out}/{who}-{name}/bound-1.csv")
            plain = column(f"{out}/{who}-gaussian/bound-{k}.csv")
            m, se = mean_se(bound)
            d, dse = mean_se([a - b for a, b in zip(bound, plain)])
            e, _ = mean_se(elbo)
            g, gse = mean_se([a - b for a, b in zip(elbo, bound)])
            diff = "—" if post == "gaussian" else f"{d:+.2f} ± {dse:.2f}"
            print(f"| {post} | {label} | {m:.2f} ± {se:.2f} | {diff} | {e:.2f} | {g:.2f} ± {gse:.2f} |")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Draws one benchmark chart from a JSON spec on stdin (see bench/Junction.Bench.Common/Report/Plot.cs)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

spec = json.load(sys.stdin)
fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
series = spec["series"]
if spec["kind"] == "bars":
    groups = spec["groups"]
    width = 0.8 / max(1, len(series))
    for i, s in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        ys = [0 if v is None else v for v in s["y"]]
        ax.bar(xs, ys, width, label=s["name"])
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, rotation=20 if max(len(g) for g in groups) > 8 else 0, ha="right" if max(len(g) for g in groups) > 8 else "center", fontsize=8)
else:
    for s in series:
        points = [(x, y) for x, y in zip(s["x"], s["y"]) if y is not None]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=s["name"])
    if spec["logx"]:
        ax.set_xscale("log", base=2)
        xs = sorted({x for s in series for x in s["x"]})
        ax.set_xticks(xs)
        ax.set_xticklabels([str(int(x)) if x == int(x) else str(x) for x in xs])
if spec["logy"]:
    ax.set_yscale("log")
if spec.get("reference") is not None:
    ax.axhline(spec["reference"], color="grey", linewidth=0.8, linestyle="--")
ax.set_title(spec["title"], fontsize=11)
ax.set_xlabel(spec["xlabel"])
ax.set_ylabel(spec["ylabel"])
ax.grid(axis="y", alpha=0.3)
ax.legend(fontsize=8, ncol=2 if len(series) > 4 else 1)
fig.tight_layout()
fig.savefig(spec["out"])

# SPDX-License-Identifier: GPL-3.0-or-later
"""How far apart DISTINCT's colors are, next to glasbey's and distinctipy's: docs/distinctness.json.

    python benchmarks/distinctness.py [--output docs/distinctness.json] [--quick]   # make bench runs it

For each n, the smallest CIEDE2000 difference between any two of the n colors (colour-science's
``delta_E`` CIE 2000 on its sRGB to CIELAB; higher is better, below about 2 people confuse them), for
``core.distinct_colors(n)``, ``glasbey.create_palette(n)`` (at every n from 2 to 256) and
``distinctipy.get_colors(n)`` (at fewer n: it takes half a minute at 256), all in this one process,
plus the time each takes. Runs in the dev environment (glasbey, distinctipy and colour-science are
dev requirements, never the add-on's). ``report.py`` turns the JSON into a table and a plot
(``section`` and ``plot`` here).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import sys
import time
import timeit
import warnings

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from random_vertex_colors import core  # noqa: E402

# The n the table shows; the plot and the minimum ratio use every n measured.
TABLE_NS = [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256]
DISTINCTIPY_NS = TABLE_NS
TARGET_RATIO = 1.2  # issue #13: at least 1.2x glasbey's smallest difference at every n from 2 to 256


def min_ciede2000(srgb) -> float:
    """Smallest CIEDE2000 difference between two of ``srgb`` ((n, 3) in [0, 1]), by colour-science."""
    import colour

    srgb = np.asarray(srgb, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lab = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(srgb))
        n = len(lab)
        i, j = np.triu_indices(n, 1)
        return float(np.min(colour.delta_E(lab[i], lab[j], method="CIE 2000")))


def hex_to_srgb(colors) -> np.ndarray:
    """(n, 3) float64 sRGB from ``#rrggbb`` strings."""
    return np.array([[int(c[k:k + 2], 16) for k in (1, 3, 5)] for c in colors]) / 255.0


def measure(ns: list[int], distinctipy_ns: list[int]) -> dict:
    import distinctipy
    import glasbey

    rows = []
    for n in ns:
        row: dict = {"n": n}
        started = time.perf_counter()
        ours = core.distinct_colors(n)
        row["ours_s"] = time.perf_counter() - started
        row["ours"] = min_ciede2000(ours)
        started = time.perf_counter()
        palette = glasbey.create_palette(n)
        row["glasbey_s"] = time.perf_counter() - started
        row["glasbey"] = min_ciede2000(hex_to_srgb(palette))
        if n in distinctipy_ns:
            started = time.perf_counter()
            colors = distinctipy.get_colors(n, rng=0)
            row["distinctipy_s"] = time.perf_counter() - started
            row["distinctipy"] = min_ciede2000(np.array(colors))
        rows.append(row)
        print(f"n={n}: ours {row['ours']:.2f}, glasbey {row['glasbey']:.2f}"
              + (f", distinctipy {row['distinctipy']:.2f}" if "distinctipy" in row else ""), flush=True)
    # Timed after a first call, as in a Blender session where the table is already loaded.
    runs = timeit.repeat(lambda: core.distinct_colors(256, np.random.default_rng(0)), number=10, repeat=5)
    return {
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "glasbey": version("glasbey"), "distinctipy": version("distinctipy"),
                    "colour-science": version("colour-science")},
        "ours_256_seconds": min(runs) / 10,
        "rows": rows,
    }


def version(distribution: str) -> str:
    from importlib.metadata import version as installed

    return installed(distribution)


def worst_ratio(data: dict) -> tuple[float, int]:
    """The smallest ours / glasbey over every n measured, and its n."""
    return min((row["ours"] / row["glasbey"], row["n"]) for row in data["rows"])


def section(data: dict, image: str) -> list[str]:
    """The distinctness part of docs/performance.md: a table at TABLE_NS and the plot."""
    worst, worst_n = worst_ratio(data)
    ns = [row["n"] for row in data["rows"]]
    m = data["machine"]
    lines = [
        "## DISTINCT: how far apart the colors are",
        "",
        f"The smallest CIEDE2000 difference between any two of n colors (higher is better; below about 2 "
        f"people confuse them), measured by colour-science {m['colour-science']} in one run of "
        f"`benchmarks/distinctness.py`: ours (`core.distinct_colors(n)`), glasbey {m['glasbey']} "
        f"(`create_palette(n)`, which keeps away from the darkest and lightest colors) and distinctipy "
        f"{m['distinctipy']} (`get_colors(n, rng=0)`). Ours takes "
        f"{data['ours_256_seconds'] * 1000:.3f} ms for n = 256 (target ≤ 20 ms, table already loaded).",
        "",
        f"**Ours ÷ glasbey is at least {worst:.2f}× at every n from {min(ns)} to {max(ns)} (lowest at "
        f"n = {worst_n}; target ≥ {TARGET_RATIO}×): {'met' if worst >= TARGET_RATIO else 'NOT MET'}.**",
        "",
        "| n | ours | glasbey | distinctipy | ours ÷ glasbey | glasbey s | distinctipy s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in data["rows"]:
        if row["n"] not in TABLE_NS:
            continue
        dipy = f"{row['distinctipy']:.1f}" if "distinctipy" in row else "–"
        dipy_s = f"{row['distinctipy_s']:.2f}" if "distinctipy_s" in row else "–"
        lines.append(f"| {row['n']} | {row['ours']:.1f} | {row['glasbey']:.1f} | {dipy} | "
                     f"{row['ours'] / row['glasbey']:.2f}× | {row['glasbey_s']:.2f} | {dipy_s} |")
    lines += ["", f"![smallest CIEDE2000 against n](images/{image})", ""]
    return lines


def plot(data: dict, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["rows"]
    fig, ax = plt.subplots(figsize=(8, 4.6), dpi=110)
    for key, name, style in (("ours", "ours (DISTINCT)", "-"), ("glasbey", "glasbey", "--"),
                             ("distinctipy", "distinctipy", ":")):
        points = [(row["n"], row[key]) for row in rows if key in row]
        ax.plot([n for n, _ in points], [d for _, d in points], style,
                marker="." if key == "distinctipy" else None, linewidth=1.8 if key == "ours" else 1.2,
                label=name)
    ax.plot([row["n"] for row in rows], [TARGET_RATIO * row["glasbey"] for row in rows], color="gray",
            linewidth=0.8, alpha=0.7, label=f"{TARGET_RATIO} × glasbey (target)")
    ax.axhline(2.0, color="red", linewidth=0.8, alpha=0.5, label="about 2: easily confused")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("n colors")
    ax.set_ylabel("smallest CIEDE2000 between two colors")
    ax.set_title("How far apart n distinct colors are (higher is better)", fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=pathlib.Path, default=ROOT / "docs" / "distinctness.json")
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("BENCH_QUICK")),
                        help="only the n of the table (also BENCH_QUICK=1)")
    args = parser.parse_args()
    ns = TABLE_NS if args.quick else list(range(2, 257))
    data = measure(ns, DISTINCTIPY_NS)
    args.output.write_text(json.dumps(data, indent=1) + "\n")
    worst, worst_n = worst_ratio(data)
    print(f"wrote {args.output}; ours / glasbey at least {worst:.2f} (n = {worst_n}); "
          f"ours at 256: {data['ours_256_seconds'] * 1000:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

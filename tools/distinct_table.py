"""Make the DISTINCT color sequence that the add-on ships (random_vertex_colors/distinct_table.py).

    python3 tools/distinct_table.py [--count 1024] [--step 3] [--start ffff00] [--output FILE]

A greedy maximin sequence in CIEDE2000 over a grid of 8-bit sRGB codes (every ``step``-th code per
channel, 255 included): it starts at yellow (255, 255, 0), and each next color is the grid color whose
smallest CIEDE2000 difference to the colors before it is largest. So every prefix is as distinct as this
greedy choice makes it, and n groups take the first n colors. The values are 8-bit codes, so byte attributes
and 8-bit files keep them apart exactly.

Why yellow: a greedy sequence is only as good as its start, most of all at small n, where it has
few colors to even out an early choice. ``--sweep-starts docs/distinctness.json`` runs the greedy
sequence (over a coarser grid, step 6) from each of the 216 starts with channels in {0, 51, ..., 255}
and ranks them by their smallest ratio to glasbey's measured smallest difference at n = 2 to 32.
From black it falls to 1.13x at n = 6 and 1.14x at n = 9, where glasbey is strongest; from yellow
(255, 255, 0), the color farthest from black, 1.27x, within 0.003 of the best start (255, 102, 255),
and yellow is the plainer first color for a single group.

Needs numpy only. ``ciede2000`` and ``srgb_to_lab`` here are what the tests measure with (checked
against the formula's published test data and against colour-science); the benchmark uses colour-science.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import textwrap
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "random_vertex_colors" / "distinct_table.py"

# IEC 61966-2-1 sRGB to XYZ, and the D65 white those primaries are balanced to.
_SRGB_TO_XYZ = np.array([
    [0.4124564, 0.3575761, 0.1804375],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339, 0.1191920, 0.9503041],
])
_WHITE_D65 = _SRGB_TO_XYZ.sum(axis=1)


def srgb_to_lab(srgb) -> np.ndarray:
    """CIELAB (D65) of sRGB colors.

    Parameters
    ----------
    srgb : (..., 3) array of float in [0, 1]

    Returns
    -------
    (..., 3) ndarray of float64
        L in [0, 100], a, b.
    """
    srgb = np.asarray(srgb, dtype=np.float64)
    if srgb.shape[-1:] != (3,):
        raise ValueError(f"srgb must have shape (..., 3), got {srgb.shape}")
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _SRGB_TO_XYZ.T / _WHITE_D65
    delta = 6 / 29
    f = np.where(xyz > delta**3, np.cbrt(xyz), xyz / (3 * delta**2) + 4 / 29)
    lightness = 116 * f[..., 1] - 16
    return np.stack([lightness, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def ciede2000(lab1, lab2) -> np.ndarray:
    """CIEDE2000 color difference (kL = kC = kH = 1), broadcasting over leading axes.

    Follows Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula:
    implementation notes, supplementary test data, and mathematical observations".

    Parameters
    ----------
    lab1, lab2 : (..., 3) arrays of float
        CIELAB colors.

    Returns
    -------
    ndarray of float64
        The broadcast shape without the last axis.
    """
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    if lab1.shape[-1:] != (3,) or lab2.shape[-1:] != (3,):
        raise ValueError(f"Lab colors must have shape (..., 3), got {lab1.shape} and {lab2.shape}")
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_mean7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(c_mean7 / (c_mean7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    chroma_product = c1p * c2p
    neutral = chroma_product == 0
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(neutral, 0.0, dh)
    d_l = l2 - l1
    d_c = c2p - c1p
    d_h = 2 * np.sqrt(chroma_product) * np.sin(np.radians(dh) / 2)
    l_mean = (l1 + l2) / 2
    c_mean = (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_mean = np.where(
        np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)
    )
    h_mean = np.where(neutral, h_sum, h_mean)
    t = (
        1
        - 0.17 * np.cos(np.radians(h_mean - 30))
        + 0.24 * np.cos(np.radians(2 * h_mean))
        + 0.32 * np.cos(np.radians(3 * h_mean + 6))
        - 0.20 * np.cos(np.radians(4 * h_mean - 63))
    )
    d_theta = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    c_mean7p = c_mean**7
    r_c = 2 * np.sqrt(c_mean7p / (c_mean7p + 25.0**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    tl, tc, th = d_l / s_l, d_c / s_c, d_h / s_h
    return np.sqrt(np.maximum(tl**2 + tc**2 + th**2 + r_t * tc * th, 0.0))


def min_difference(srgb) -> float:
    """The smallest CIEDE2000 difference between any two of ``srgb`` ((n, 3) in [0, 1]); inf below 2."""
    lab = srgb_to_lab(srgb)
    n = lab.shape[0]
    if n < 2:
        return float("inf")
    pairs = ciede2000(lab[:, None], lab[None])
    return float(pairs[np.triu_indices(n, 1)].min())


def grid_codes(step: int) -> np.ndarray:
    """(m, 3) uint8: every 8-bit sRGB color whose channels are multiples of ``step`` or 255."""
    levels = np.unique(np.append(np.arange(0, 256, step), 255)).astype(np.uint8)
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    return np.stack([r.ravel(), g.ravel(), b.ravel()], axis=1)


def greedy_maximin(codes, count: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Greedy maximin order of ``count`` colors among ``codes``, starting at ``codes[start]``.

    Parameters
    ----------
    codes : (m, 3) array of uint8
        The candidate 8-bit sRGB colors.
    count : int
        How many to pick, at most m.
    start : int
        Index of the first color.

    Returns
    -------
    picked : (count,) ndarray of int64
        Indices into ``codes``, in order.
    gaps : (count,) ndarray of float64
        CIEDE2000 from each pick to the nearest earlier one (inf for the first);
        non-increasing, and the smallest difference within the first n picks is ``gaps[n - 1]``.
    """
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[1] != 3:
        raise ValueError(f"codes must have shape (m, 3), got {codes.shape}")
    if not 1 <= count <= codes.shape[0]:
        raise ValueError(f"count must be in 1..{codes.shape[0]}, got {count}")
    lab = srgb_to_lab(codes / 255.0)
    nearest = np.full(codes.shape[0], np.inf)
    picked = np.empty(count, dtype=np.int64)
    gaps = np.empty(count)
    current, gap = start, np.inf
    for i in range(count):
        picked[i], gaps[i] = current, gap
        nearest = np.minimum(nearest, ciede2000(lab, lab[current]))
        current = int(np.argmax(nearest))
        gap = float(nearest[current])
    return picked, gaps


def module_text(table: np.ndarray, step: int, gaps: np.ndarray) -> str:
    """The Python source of the shipped table: hex of the 8-bit codes, 16 colors a line."""
    hex_text = table.astype(np.uint8).tobytes().hex()
    body = "\n".join(f'    "{line}"' for line in textwrap.wrap(hex_text, 96))
    start = "#" + hex_text[:6]
    return (
        f'"""The DISTINCT color sequence: {len(table)} 8-bit sRGB colors from tools/distinct_table.py.\n\n'
        "Do not edit: run ``python3 tools/distinct_table.py`` to remake it. A greedy maximin sequence\n"
        f"in CIEDE2000 over the 8-bit sRGB colors whose channels are multiples of {step} (or 255), from\n"
        f"{start}. The smallest CIEDE2000 between two of the first n colors: {gaps[1]:.1f} for n = 2,\n"
        f"{gaps[255]:.2f} for 256, {gaps[-1]:.2f} for {len(table)}. Three bytes (r, g, b) a color.\n"
        '"""\n\n'
        f"STEP = {step}\n\n"
        f"SRGB8_HEX = (\n{body}\n)\n"
    )


def sweep_starts(reference: pathlib.Path, up_to: int = 32, step: int = 6) -> list[tuple[float, str]]:
    """Rank the 216 starts with channels in {0, 51, ..., 255} by their worst ratio to glasbey, n <= ``up_to``.

    ``reference`` is benchmarks/distinctness.py's JSON (its glasbey column). Returns
    (smallest ratio, start as rrggbb), best first.
    """
    import json

    glasbey = {row["n"]: row["glasbey"] for row in json.loads(reference.read_text())["rows"]}
    ns = [n for n in range(2, up_to + 1) if n in glasbey]
    codes = grid_codes(step)
    starts = np.flatnonzero(np.all(np.isin(codes, [0, 51, 102, 153, 204, 255]), axis=1))
    ranked = []
    for start in starts:
        _picked, gaps = greedy_maximin(codes, max(ns), int(start))
        ranked.append((min(gaps[n - 1] / glasbey[n] for n in ns), bytes(codes[start]).hex()))
    return sorted(ranked, reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1024, help="how many colors (default 1024)")
    parser.add_argument("--step", type=int, default=3, help="grid step in 8-bit codes (default 3)")
    parser.add_argument("--start", default="ffff00", help="the first color: rrggbb, on the grid")
    parser.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--sweep-starts", type=pathlib.Path, metavar="DISTINCTNESS_JSON",
                        help="only rank candidate starts against the glasbey column of this JSON")
    args = parser.parse_args(argv)
    if args.sweep_starts:
        for ratio, start in sweep_starts(args.sweep_starts)[:10]:
            print(f"{start}: at least {ratio:.3f}x glasbey at n = 2 to 32")
        return 0
    if args.count < 256:
        parser.error("--count must be at least 256 (DISTINCT promises its quality up to 256 colors)")
    codes = grid_codes(args.step)
    start = np.flatnonzero(np.all(codes == np.frombuffer(bytes.fromhex(args.start), np.uint8), axis=1))
    if len(start) != 1:
        parser.error(f"--start {args.start} is not a color of the step-{args.step} grid")
    started = time.perf_counter()
    picked, gaps = greedy_maximin(codes, args.count, start=int(start[0]))
    args.output.write_text(module_text(codes[picked], args.step, gaps))
    print(f"{args.output}: {args.count} colors from {len(codes)} in {time.perf_counter() - started:.0f} s; "
          f"smallest CIEDE2000 at 2, 8, 64, 256, {args.count}: "
          + ", ".join(f"{gaps[n - 1]:.2f}" for n in (2, 8, 64, 256, args.count)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

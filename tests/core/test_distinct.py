# SPDX-License-Identifier: GPL-3.0-or-later
"""DISTINCT: the shipped greedy maximin sequence in CIEDE2000, exact 8-bit codes, a seed that only permutes.

The CIEDE2000 measured here is tools/distinct_table.py's own, checked against the formula's published
test data and, where colour-science is installed (the dev environment), against colour-science.
"""

import importlib.util
import pathlib

import numpy as np
import pytest

from random_vertex_colors import core, distinct_table
from random_vertex_colors.core import distinct_colors, random_srgb16, rng_for, shape_colors

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("rvc_distinct_table", ROOT / "tools" / "distinct_table.py")
assert _spec is not None and _spec.loader is not None
generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generator)

TABLE = core._distinct_table()

# Sharma, Wu and Dalal (2005), Table 1: (L, a, b) pairs and their CIEDE2000.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
]


def pairwise(srgb):
    lab = generator.srgb_to_lab(srgb)
    return generator.ciede2000(lab[:, None], lab[None])


def codes(colors):
    """(n,) int64 8-bit codes of (n, 3) colors in [0, 1], after checking they are exact multiples of 1/255."""
    scaled = colors * 255
    assert np.allclose(scaled, np.rint(scaled), rtol=0, atol=1e-9)
    return core._codes24(np.rint(scaled).astype(np.int64))


def test_ciede2000_matches_the_published_test_data():
    first, second, expected = (np.array(column) for column in zip(*SHARMA, strict=True))
    assert np.allclose(generator.ciede2000(first, second), expected, rtol=0, atol=5e-5)
    assert np.allclose(generator.ciede2000(second, first), expected, rtol=0, atol=5e-5)  # symmetric


def test_ciede2000_and_lab_match_colour_science():
    colour = pytest.importorskip("colour")
    rng = np.random.default_rng(3)
    srgb = np.concatenate([rng.random((2000, 3)), TABLE[:200] / 255.0])
    ours = generator.srgb_to_lab(srgb)
    theirs = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(srgb))
    assert np.abs(ours - theirs).max() < 0.05  # their white: D65's chromaticity; ours: the matrix's
    order = rng.permutation(len(srgb))
    # The formula alone, on the same Lab values: equal to rounding.
    assert np.allclose(generator.ciede2000(theirs, theirs[order]),
                       colour.delta_E(theirs, theirs[order], method="CIE 2000"), rtol=1e-9, atol=1e-9)
    # From sRGB, as the table and the benchmark measure: a few hundredths apart, except where
    # CIEDE2000 itself jumps (the mean hue of two colors nearly opposite flips by 180 degrees).
    reference = colour.delta_E(theirs, theirs[order], method="CIE 2000")
    apart = np.abs(generator.ciede2000(ours, ours[order]) - reference)
    assert np.mean(apart < 0.05) > 0.99


def test_every_prefix_is_greedy_maximin_in_ciede2000():
    distances = pairwise(TABLE / 255.0)
    np.fill_diagonal(distances, np.inf)
    # How far each color is from the nearest one before it.
    gaps = np.array([distances[k, :k].min() for k in range(1, len(TABLE))])
    # Greedy maximin: each new color is at most as far as the one before (it was a candidate then).
    assert np.all(np.diff(gaps) <= 1e-9)
    # So the smallest difference within the first n colors is the last gap, for every prefix.
    prefix_min = np.minimum.accumulate(gaps)
    assert np.array_equal(prefix_min, gaps)
    for n in (2, 3, 8, 33, 256, len(TABLE)):
        assert distances[:n, :n].min() == pytest.approx(gaps[n - 2])
    # Far apart where it matters: two colors as far as black and white, 256 still not confusable.
    assert gaps[0] >= 100 and gaps[255 - 1] >= 5


def test_the_table_is_what_the_script_makes():
    """The first colors again from tools/distinct_table.py on the grid the table names."""
    grid = generator.grid_codes(distinct_table.STEP)
    assert len(TABLE) >= 256 and len(np.unique(core._codes24(TABLE))) == len(TABLE)
    assert np.all(np.isin(core._codes24(TABLE), core._codes24(grid)))
    start = np.flatnonzero(core._codes24(grid) == core._codes24(TABLE[:1])[0])
    picked, _gaps = generator.greedy_maximin(grid, 12, start=int(start[0]))
    assert np.array_equal(grid[picked], TABLE[:12])
    # And the module is the script's text for this table, its figures included.
    distances = pairwise(TABLE / 255.0)
    gaps = np.array([np.inf] + [distances[k, :k].min() for k in range(1, len(TABLE))])
    text = generator.module_text(TABLE, distinct_table.STEP, gaps)
    assert (ROOT / "random_vertex_colors" / "distinct_table.py").read_text() == text


def test_distinct_beats_the_old_lattice_at_every_n():
    """Against the cubic sRGB lattice DISTINCT used before, measured in CIEDE2000 here."""
    distances = pairwise(TABLE[:256] / 255.0)
    np.fill_diagonal(distances, np.inf)
    for n in range(2, 257):
        k = max(2, int(np.ceil(round(n ** (1 / 3), 9))))
        levels = np.arange(k) / (k - 1)
        lattice = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 3)[:n]
        old = pairwise(lattice)[np.triu_indices(n, 1)].min()
        assert distances[:n, :n].min() > 1.3 * old, n


@pytest.mark.parametrize("n", [0, 1, 2, 7, 256, 1000])
def test_shape_dtype_and_exact_8bit_codes(n):
    colors = distinct_colors(n)
    assert colors.shape == (n, 3) and colors.dtype == np.float64
    assert np.all((colors >= 0) & (colors <= 1))
    assert np.array_equal(colors * 255, TABLE[:n].astype(np.float64))
    with pytest.raises(ValueError, match="n must be >= 0"):
        distinct_colors(-1)


def test_no_two_equal_in_8bit_up_to_the_table_and_beyond():
    for n in range(1, 257):
        assert len(np.unique(codes(distinct_colors(n)))) == n
    for n in (len(TABLE) + 1, len(TABLE) + 7, 5000, 40_000, 300_000):
        colors = distinct_colors(n)
        assert len(np.unique(codes(colors))) == n, n
        assert np.array_equal(colors[: len(TABLE)] * 255, TABLE)  # the table comes first


def test_past_every_8bit_color_the_sequence_repeats():
    everything = 1 << 24
    colors = core._distinct8(everything + 3, None)
    assert len(np.unique(core._codes24(colors[:everything]))) == everything
    assert np.array_equal(colors[everything:], TABLE[:3])


@pytest.mark.parametrize("n", [1, 5, 256, 2000])
def test_the_seed_only_permutes(n):
    plain = distinct_colors(n)
    shuffled = [distinct_colors(n, np.random.default_rng(seed)) for seed in range(3)]
    for colors in shuffled:
        assert np.array_equal(np.sort(codes(colors)), np.sort(codes(plain)))
    if n > 2:
        assert not np.array_equal(shuffled[0], shuffled[1])


def test_distinct_mode_gives_the_first_n_colors_to_groups_in_a_random_order():
    n = 24
    draws = random_srgb16(rng_for(4), n, random_alpha=True)
    shaped = shape_colors(draws, "DISTINCT")
    assert shaped.dtype == np.uint16 and shaped.shape == (n, 4)
    assert np.array_equal(shaped[:, 3], draws[:, 3])  # alpha from the draws
    assert np.all(shaped[:, :3] % 257 == 0)  # exact 8-bit codes in 16 bits
    first = core._codes24(TABLE[:n])
    assert np.array_equal(np.sort(core._codes24(shaped[:, :3] // 257)), np.sort(first))
    other = shape_colors(random_srgb16(rng_for(5), n), "DISTINCT")
    assert np.array_equal(np.sort(core._codes24(other[:, :3] // 257)), np.sort(first))
    assert not np.array_equal(shaped[:, :3], other[:, :3])  # which group gets which is random

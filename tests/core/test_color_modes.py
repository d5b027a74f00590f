# SPDX-License-Identifier: GPL-3.0-or-later
"""Colour modes: HSV, grayscale, palette (distinct: test_distinct.py)."""

import colorsys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_vertex_colors.core import (
    hsv_to_rgb,
    palette_colors,
    random_srgb16,
    rng_for,
    shape_colors,
)

unit = st.floats(0, 1)


@given(unit, unit, unit)
def test_hsv_to_rgb_matches_colorsys(h, s, v):
    np.testing.assert_allclose(hsv_to_rgb([h, s, v]), colorsys.hsv_to_rgb(h % 1.0, s, v), atol=1e-12)


def rgb_to_hsv_rows(rgb):
    return np.array([colorsys.rgb_to_hsv(*row) for row in rgb])


def hue_distance_outside(h, h0, h1):
    """How far hues ``h`` lie outside the arc from ``h0`` to ``h1``, around the circle.

    The arc runs through red when h0 > h1.
    """
    span = (h1 - h0) % 1.0 if h0 != h1 else 0.0
    if h1 - h0 == 1.0:
        span = 1.0
    offset = (h - h0) % 1.0  # 0 at h0, growing the way the arc runs; hue 1.0 is hue 0.0
    past_end = offset - span
    return np.where(offset <= span, 0.0, np.minimum(past_end, 1.0 - offset))


def test_hue_distance_counts_around_the_circle():
    assert hue_distance_outside(np.array([0.0, 1.0, 0.75]), 0.5, 1.0).tolist() == [0.0, 0.0, 0.0]
    distances = hue_distance_outside(np.array([0.25, 0.45, 0.05]), 0.5, 1.0)
    np.testing.assert_allclose(distances, [0.25, 0.05, 0.05])
    np.testing.assert_allclose(hue_distance_outside(np.array([0.95, 0.05, 0.5]), 0.9, 0.1), [0.0, 0.0, 0.4])


ordered_pair = st.tuples(unit, unit).map(sorted).map(tuple)


@given(st.tuples(unit, unit), ordered_pair, ordered_pair, st.integers(0, 2**32))
def test_hsv_mode_stays_in_ranges(hue, saturation, value, seed):
    draws = random_srgb16(rng_for(seed), 200)
    shaped = shape_colors(draws, "HSV", hue, saturation, value)
    hsv = rgb_to_hsv_rows(shaped[:, :3] / 65535)
    tol = 1e-3
    s0, s1 = saturation
    v0, v1 = value
    assert np.all(hsv[:, 2] >= v0 - tol) and np.all(hsv[:, 2] <= v1 + tol)
    # Saturation and hue are undefined for black and grays, and 16-bit
    # quantization blurs them for the darkest colours.
    bright = hsv[:, 2] > 0.05
    colored = bright & (hsv[:, 1] > 0.05)
    assert np.all(hsv[bright, 1] >= s0 - 0.02) and np.all(hsv[bright, 1] <= s1 + 0.02)
    assert np.all(hue_distance_outside(hsv[colored, 0], *hue) <= 0.02)
    np.testing.assert_array_equal(shaped[:, 3], draws[:, 3])


def test_hsv_ranges_fill_the_range():
    draws = random_srgb16(rng_for(3), 5000)
    hsv = rgb_to_hsv_rows(shape_colors(draws, "HSV", (0.2, 0.3), (0.5, 1.0), (0.6, 0.9))[:, :3] / 65535)
    assert hsv[:, 0].min() < 0.21 and hsv[:, 0].max() > 0.29
    assert hsv[:, 2].min() < 0.61 and hsv[:, 2].max() > 0.89


def test_grayscale_and_rgb():
    draws = random_srgb16(rng_for(1), 100)
    gray = shape_colors(draws, "GRAYSCALE")
    assert np.array_equal(gray[:, 0], gray[:, 1]) and np.array_equal(gray[:, 1], gray[:, 2])
    assert len(np.unique(gray[:, 0])) > 90
    assert shape_colors(draws, "RGB") is draws


@given(st.integers(1, 60), st.integers(1, 12), st.integers(0, 1000))
def test_palette_uses_only_and_all_palette_colours(n_groups, n_colors, seed):
    palette = np.random.default_rng(seed).random((n_colors, 3)).astype(np.float32)
    picked = palette_colors(random_srgb16(rng_for(seed), n_groups), palette)
    assert picked.dtype == np.float32 and picked.shape == (n_groups, 4)
    used = {tuple(row) for row in picked[:, :3]}
    assert used <= {tuple(row) for row in palette}
    assert len(used) == min(n_groups, len({tuple(row) for row in palette}))
    assert np.all(picked[:, 3] == 1)


def test_palette_and_modes_refuse_bad_input():
    draws = random_srgb16(rng_for(0), 3)
    with pytest.raises(ValueError, match="no colours"):
        palette_colors(draws, np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"\(p, 3\)"):
        palette_colors(draws, np.zeros((2, 5)))
    with pytest.raises(ValueError, match="hue_range"):
        shape_colors(draws, "HSV", hue_range=(0, 2))
    with pytest.raises(ValueError, match="color_mode"):
        shape_colors(draws, "CMYK")

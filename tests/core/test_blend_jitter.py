# SPDX-License-Identifier: GPL-3.0-or-later
"""Channels, mix and jitter: the blend and jitter math of the core, in plain Python."""

import colorsys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from random_vertex_colors import core
from random_vertex_colors.options import ColorError, ColorSettings

unit = st.floats(0, 1)
written_flags = st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans())


def colors(n):
    """(n, 4) float32 in [0, 1], as an attribute holds them."""
    return hnp.arrays(np.float32, (n, 4), elements=st.floats(0, 1, width=32))


def hue_distance(a, b):
    gap = np.abs(np.asarray(a) - np.asarray(b)) % 1.0
    return np.minimum(gap, 1.0 - gap)


# -- rgb_to_hsv -------------------------------------------------------------


@given(unit, unit, unit)
def test_rgb_to_hsv_matches_colorsys(r, g, b):
    h, s, v = core.rgb_to_hsv([r, g, b])
    eh, es, ev = colorsys.rgb_to_hsv(r, g, b)
    assert hue_distance(h, eh) <= 1e-9 and abs(s - es) <= 1e-9 and abs(v - ev) <= 1e-9


@given(hnp.arrays(np.float64, (20, 3), elements=unit))
def test_rgb_to_hsv_inverts_hsv_to_rgb(rgb):
    np.testing.assert_allclose(core.hsv_to_rgb(core.rgb_to_hsv(rgb)), rgb, atol=1e-9)


# -- blend_colors -----------------------------------------------------------


@given(colors(16), colors(16), unit, written_flags, st.booleans())
def test_unwritten_channels_and_mix_0_keep_the_colors_bit_for_bit(current, new, mix, written, linear):
    out = core.blend_colors(current, new, mix, written, linear)
    kept = ~np.array(written)
    assert np.array_equal(out[:, kept], current[:, kept])
    assert np.array_equal(core.blend_colors(current, new, 0.0, written, linear), current)


@given(colors(16), colors(16), written_flags, st.booleans())
def test_mix_1_takes_the_new_colors_bit_for_bit(current, new, written, linear):
    out = core.blend_colors(current, new, 1.0, written, linear)
    chosen = np.array(written)
    assert np.array_equal(out[:, chosen], new[:, chosen])


@given(colors(16), colors(16), unit)
def test_mix_is_linear_in_srgb_for_scene_linear_colors(current, new, mix):
    out = core.blend_colors(current, new, mix, (True,) * 4, linear=True)
    start, end = core.linear_to_srgb(current[:, :3]), core.linear_to_srgb(new[:, :3])
    np.testing.assert_allclose(core.linear_to_srgb(out[:, :3]), start + mix * (end - start), atol=2e-6)
    np.testing.assert_allclose(out[:, 3], current[:, 3] + mix * (new[:, 3] - current[:, 3]), atol=1e-6)


@given(hnp.arrays(np.float32, (16, 4), elements=st.floats(-0.5, 2, width=32)))
def test_the_float32_conversions_agree_with_the_exact_ones(values):
    srgb = core._srgb_from(values, linear=True)
    np.testing.assert_allclose(srgb[:, :3], core.linear_to_srgb(values[:, :3]), atol=1e-6)
    np.testing.assert_allclose(core._srgb_to(values, linear=True)[:, :3], core.srgb_to_linear(values[:, :3]),
                               rtol=1e-6, atol=1e-6)
    assert np.array_equal(srgb[:, 3], values[:, 3])
    assert np.array_equal(core._srgb_from(values, linear=False), values)


def test_mix_half_is_the_srgb_midpoint_not_the_linear_one():
    black, white = np.array([[0, 0, 0, 1]], np.float32), np.array([[1, 1, 1, 1]], np.float32)
    linear = core.blend_colors(black, white, 0.5, (True,) * 4, linear=True)
    np.testing.assert_allclose(core.linear_to_srgb(linear[0, :3]), 0.5, atol=1e-6)
    assert linear[0, 0] == pytest.approx(0.214, abs=1e-3)  # the linear value of sRGB 0.5, not 0.5
    srgb = core.blend_colors(black, white, 0.5, (True,) * 4, linear=False)
    np.testing.assert_allclose(srgb[0, :3], 0.5)


def test_blend_refuses_bad_shapes_and_mix():
    good = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match="one shape"):
        core.blend_colors(good, np.zeros((2, 4), np.float32), 0.5, (True,) * 4, True)
    with pytest.raises(ValueError, match="mix"):
        core.blend_colors(good, good, 1.5, (True,) * 4, True)
    with pytest.raises(ValueError, match="written"):
        core.blend_colors(good, good, 0.5, (True,) * 3, True)


# -- group_means ------------------------------------------------------------


def test_group_means_weighted_and_empty_groups():
    labels = np.array([0, 0, 2, 2, 2])
    values = np.array([[1.0], [3.0], [0.0], [3.0], [6.0]])
    np.testing.assert_allclose(core.group_means(labels, values, 4), [[2.0], [0.0], [3.0], [0.0]])
    weights = np.array([3, 1, 1, 1, 1])
    np.testing.assert_allclose(core.group_means(labels, values, 3, weights), [[1.5], [0.0], [3.0]])
    with pytest.raises(ValueError, match="labels must lie"):
        core.group_means(labels, values, 2)


# -- jitter -----------------------------------------------------------------


@settings(max_examples=60)
@given(hnp.arrays(np.float64, (50, 3), elements=unit), st.tuples(unit, unit, unit), st.integers(0, 2**32))
def test_jitter_stays_within_its_half_widths_in_hsv(srgb, half, seed):
    draws = core.random_srgb16(core.rng_for(seed, "mesh", "jitter"), len(srgb), True)
    out = core.jitter_srgb(srgb, draws, half)
    before, after = core.rgb_to_hsv(srgb), core.rgb_to_hsv(out)
    tol = 1e-9
    # Hue only where it is defined both sides: grays and black have none.
    colorful = (before[:, 1] > 1e-6) & (before[:, 2] > 1e-6) & (after[:, 1] > 1e-6) & (after[:, 2] > 1e-6)
    assert np.all(hue_distance(after[colorful, 0], before[colorful, 0]) <= half[0] + tol)
    assert np.all(np.abs(after[:, 2] - before[:, 2]) <= half[2] + tol)
    defined = (before[:, 2] > 1e-6) & (after[:, 2] > 1e-6)
    assert np.all(np.abs(after[defined, 1] - before[defined, 1]) <= half[1] + tol)
    assert np.all((out >= 0) & (out <= 1))


def test_jitter_shifts_are_uniform_over_the_whole_width_and_hue_wraps():
    n = 20000
    red = np.tile([[1.0, 0.0, 0.0]], (n, 1))  # hue 0: shifts below it wrap to near 1
    draws = core.random_srgb16(core.rng_for(3, "m", "jitter"), n, True)
    hue = core.rgb_to_hsv(core.jitter_srgb(red, draws, (0.2, 0.0, 0.0)))[:, 0]
    assert np.all(hue_distance(hue, 0.0) <= 0.2 + 1e-9)
    assert np.mean(hue > 0.5) == pytest.approx(0.5, abs=0.02)  # half went below red, through 1
    assert hue_distance(hue, 0.0).max() > 0.199  # reaches the edges
    assert len(np.unique(np.round(hue, 4))) > 1000


def test_zero_half_widths_keep_the_color():
    srgb = np.array([[0.2, 0.5, 0.9], [0.7, 0.1, 0.3]])
    draws = core.random_srgb16(core.rng_for(1), 2, True)
    np.testing.assert_allclose(core.jitter_srgb(srgb, draws, (0, 0, 0)), srgb, atol=1e-12)


def test_jitter_group_colors_are_16_bit_srgb_with_opaque_alpha():
    means = np.array([[0.2, 0.5, 0.9, 0.3]])
    out = core.jitter_group_colors(means, core.random_srgb16(core.rng_for(1), 1, True), (0, 0, 0))
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, [[13107, 32768, 58982, 65535]])


def test_the_jitter_stream_is_its_own():
    main = core.random_srgb16(core.rng_for(7, "Mesh"), 10)
    jitter = core.random_srgb16(core.rng_for(7, "Mesh", "jitter"), 10)
    assert not np.array_equal(main, jitter)
    # The main stream is the one it always was: four words of entropy, no fifth.
    reference = np.random.default_rng(np.random.SeedSequence([7, 0, 0, core._key_hash("Mesh")]))
    assert np.array_equal(main, core.random_srgb16(reference, 10))


# -- the settings ----------------------------------------------------------


def test_written_channels_and_when_the_colors_there_are_read():
    assert ColorSettings().written_channels == (True, True, True, True)  # replaced whole, opaque
    assert not ColorSettings().reads_current_colors
    assert ColorSettings(channels="R").written_channels == (True, False, False, False)
    assert ColorSettings(channels="RA").written_channels == (True, False, False, True)
    assert ColorSettings(channels="RGBA").written_channels == (True, True, True, True)
    assert ColorSettings(color_mode="JITTER").written_channels == (True, True, True, False)
    assert ColorSettings(channels="G").reads_current_colors
    assert ColorSettings(mix=0.999).reads_current_colors
    assert ColorSettings(color_mode="JITTER").reads_current_colors
    assert not ColorSettings(random_alpha=True, mix=1).reads_current_colors


def test_random_alpha_and_channel_a_are_one_thing():
    assert ColorSettings(random_alpha=True).channels == "RGBA"
    assert ColorSettings(channels={"A", "g"}) == ColorSettings(channels="GA", random_alpha=True)


@pytest.mark.parametrize(("values", "message"), [
    ({"mix": 1.5}, "Mix 1.5 is outside 0 to 1"),
    ({"mix": -0.1}, "Mix -0.1 is outside 0 to 1"),
    ({"mix": float("nan")}, "Mix nan is outside 0 to 1"),
    ({"mix": "half"}, "Mix must be a number"),
    ({"jitter_hue": 1.25}, "Hue Jitter 1.25 is outside 0 to 1"),
    ({"jitter_saturation": -1}, "Saturation Jitter -1 is outside 0 to 1"),
    ({"jitter_value": 2}, "Value Jitter 2 is outside 0 to 1"),
    ({"channels": ""}, "Channels: choose at least one of R, G, B, A"),
    ({"channels": set()}, "Channels: choose at least one of R, G, B, A"),
    ({"channels": "RGX"}, "Channels: 'X' is not one of R, G, B, A"),
    ({"channels": 3}, "Channels must be letters of R, G, B, A"),
])
def test_bad_values_are_refused_with_a_message(values, message):
    with pytest.raises(ColorError, match=message.replace("(", r"\(")):
        ColorSettings(**values)

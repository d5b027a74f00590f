# SPDX-License-Identifier: GPL-3.0-or-later
"""Colour generation and conversion, in plain Python."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_vertex_colors.core import (
    linear_to_srgb,
    random_srgb16,
    rng_for,
    srgb16_to_float,
    srgb16_to_linear,
    srgb_to_linear,
)


@given(st.integers(-(2**70), 2**70), st.text(max_size=20))
def test_same_seed_and_key_same_stream(seed, key):
    a = random_srgb16(rng_for(seed, key), 50)
    b = random_srgb16(rng_for(seed, key), 50)
    np.testing.assert_array_equal(a, b)


def test_different_seeds_and_keys_differ():
    base = random_srgb16(rng_for(1, "Mesh"), 100)
    assert not np.array_equal(base, random_srgb16(rng_for(-1, "Mesh"), 100))
    assert not np.array_equal(base, random_srgb16(rng_for(2, "Mesh"), 100))
    assert not np.array_equal(base, random_srgb16(rng_for(1, "Mesh.001"), 100))


def test_draws_are_uniform_and_alpha_opaque_by_default():
    colors = random_srgb16(rng_for(0), 200_000)
    assert colors.dtype == np.uint16 and colors.shape == (200_000, 4)
    assert np.all(colors[:, 3] == 65535)
    unit = colors[:, :3] / 65535
    assert np.all(np.abs(unit.mean(axis=0) - 0.5) < 0.005)
    assert np.all(np.abs(unit.var(axis=0) - 1 / 12) < 0.002)


def test_random_alpha_does_not_shift_rgb():
    opaque = random_srgb16(rng_for(5, "k"), 1000)
    varied = random_srgb16(rng_for(5, "k"), 1000, random_alpha=True)
    np.testing.assert_array_equal(opaque[:, :3], varied[:, :3])
    assert len(np.unique(varied[:, 3])) > 900


def test_srgb16_to_linear_matches_formula():
    values = np.arange(65536, dtype=np.uint16)
    rgba = np.stack([values, values[::-1], values, values], axis=1)
    linear = srgb16_to_linear(rgba)
    assert linear.dtype == np.float32 and linear.flags.c_contiguous
    expected = srgb_to_linear(values / 65535)
    np.testing.assert_allclose(linear[:, 0], expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(linear[:, 1], expected[::-1], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(linear[:, 3], values / 65535, rtol=1e-6)  # alpha is not encoded


@pytest.mark.parametrize("other_alpha", [65535, 0, 32768, 65534])
def test_srgb16_to_linear_alpha_is_unit_scaled_whatever_the_mix(other_alpha):
    # Opaque alpha skips the second gather: check it is exact, alone and mixed with others.
    colors = np.full((5, 4), 65535, dtype=np.uint16)
    colors[:, :3] = [[0, 1, 2], [100, 200, 300], [40000, 50000, 60000], [65535, 0, 7], [9, 9, 9]]
    colors[2, 3] = other_alpha
    linear = srgb16_to_linear(colors)
    expected_alpha = (colors[:, 3] / 65535).astype(np.float32)
    assert np.array_equal(linear[:, 3], expected_alpha)
    assert linear[0, 3] == 1.0
    np.testing.assert_allclose(linear[:, :3], srgb_to_linear(colors[:, :3] / 65535), rtol=1e-6, atol=1e-7)


def test_srgb16_to_float():
    rgba = np.array([[0, 65535, 32768, 65535]], dtype=np.uint16)
    np.testing.assert_allclose(srgb16_to_float(rgba), [[0, 1, 32768 / 65535, 1]], rtol=1e-7)


def test_srgb16_to_float_is_the_float64_quotient_rounded_to_float32_for_every_value():
    every = np.arange(65536, dtype=np.uint16).reshape(-1, 4)
    nearest = (every / 65535).astype(np.float32)  # as the lookup table it replaces held them
    out = srgb16_to_float(every)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    assert np.array_equal(out, nearest)


@given(st.floats(0, 1))
def test_transfer_functions_invert(value):
    # The standard's two pieces meet with a 3e-8 step at 0.04045, hence the tolerance.
    assert linear_to_srgb(srgb_to_linear(value)) == pytest.approx(value, abs=1e-7)


def test_conversion_refuses_wrong_shapes_and_dtypes():
    with pytest.raises(ValueError, match=r"\(n, 4\)"):
        srgb16_to_linear(np.zeros((3, 3), np.uint16))
    with pytest.raises(ValueError, match="uint16"):
        srgb16_to_float(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match="n must be"):
        random_srgb16(rng_for(0), -1)

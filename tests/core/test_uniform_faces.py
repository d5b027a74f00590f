# SPDX-License-Identifier: GPL-3.0-or-later
"""uniform_face_colors: the inverse of loop_colors, used to write one value per face."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from random_vertex_colors.core import loop_colors, uniform_face_colors


@st.composite
def faces(draw, min_total=1):
    totals = np.array(draw(st.lists(st.integers(min_total, 9), min_size=1, max_size=50)), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(totals)[:-1]])
    order = np.array(draw(st.permutations(range(len(totals)))), dtype=np.int64)
    dtype = draw(st.sampled_from([np.float32, np.float64, np.uint8]))
    channels = draw(st.integers(1, 4))
    colors = draw(hnp.arrays(dtype, (len(totals), channels)))
    return starts[order], totals[order], colors


@given(faces(), st.sampled_from([np.int32, np.int64]))
def test_round_trip_recovers_every_face_in_any_order(mesh, index_dtype):
    starts, totals, colors = mesh
    corners = loop_colors(starts.astype(index_dtype), totals.astype(index_dtype), colors)
    recovered = uniform_face_colors(starts.astype(index_dtype), totals.astype(index_dtype), corners)
    assert recovered is not None
    # Bit for bit, NaNs and signed zeros included.
    assert recovered.dtype == colors.dtype
    assert recovered.tobytes() == colors.tobytes()


@given(faces(), st.data())
def test_one_differing_corner_gives_none(mesh, data):
    starts, totals, colors = mesh
    corners = loop_colors(starts, totals, colors)
    many = np.flatnonzero(totals > 1)
    if not many.size:
        return
    face = data.draw(st.sampled_from(sorted(many)))
    corner = int(starts[face]) + data.draw(st.integers(1, int(totals[face]) - 1))
    channel = data.draw(st.integers(0, corners.shape[1] - 1))
    bits = corners.view(np.uint8).reshape(len(corners), -1)
    byte = channel * corners.dtype.itemsize + data.draw(st.integers(0, corners.dtype.itemsize - 1))
    bits[corner, byte] ^= 1 << data.draw(st.integers(0, 7))
    assert uniform_face_colors(starts, totals, corners) is None


def test_signed_zero_and_nan_patterns_count_as_different():
    starts, totals = np.array([0]), np.array([2])
    assert uniform_face_colors(starts, totals, np.array([[0.0], [-0.0]], dtype=np.float32)) is None
    nan = np.array([[np.nan], [np.nan]], dtype=np.float32)
    assert uniform_face_colors(starts, totals, nan) is not None  # the same bits


def test_face_without_corners_gives_none():
    assert uniform_face_colors(np.array([0, 2]), np.array([2, 0]), np.zeros((2, 4), np.float32)) is None


@pytest.mark.parametrize(
    ("starts", "totals", "n_corners", "message"),
    [
        ([0, 2], [2, 2], 5, "gap"),
        ([0, 1], [2, 2], 4, "overlapping"),
        ([0], [2, 2], 4, "faces"),
        ([0, 2], [2, -2], 4, "negative"),
    ],
)
def test_bad_faces_raise(starts, totals, n_corners, message):
    with pytest.raises(ValueError, match=message):
        uniform_face_colors(np.array(starts), np.array(totals), np.zeros((n_corners, 4), np.float32))


def test_bad_shape_raises():
    with pytest.raises(ValueError, match="2-D"):
        uniform_face_colors(np.array([0]), np.array([4]), np.zeros(16, np.float32))

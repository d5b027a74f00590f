# SPDX-License-Identifier: GPL-3.0-or-later
"""The fill-by-loop-offset kernel, in plain Python (numpy only, no Blender)."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from random_vertex_colors.core import loop_colors, loop_totals_from_starts, spread_face_rows


def reference_loop_colors(loop_start, loop_total, face_colors, n_loops):
    """The seed article's first, obviously correct version: a loop per face."""
    out = np.full((n_loops, face_colors.shape[1]), np.nan, dtype=face_colors.dtype)
    for face, (start, total) in enumerate(zip(loop_start, loop_total, strict=True)):
        out[start:start + total] = face_colors[face]
    return out


@st.composite
def meshes(draw):
    totals = draw(st.lists(st.integers(0, 12), min_size=0, max_size=60))
    totals = np.array(totals, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(totals)[:-1]]).astype(np.int64) if totals.size else totals
    order = draw(st.permutations(range(len(totals))))
    order = np.array(order, dtype=np.int64)
    channels = draw(st.integers(1, 4))
    colors = draw(hnp.arrays(np.float32, (len(totals), channels), elements=st.floats(0, 1, width=32)))
    return starts[order], totals[order], colors, int(totals.sum())


@given(meshes(), st.sampled_from([np.int32, np.int64]))
def test_matches_reference_in_any_face_order(mesh, index_dtype):
    starts, totals, colors, n_loops = mesh
    starts, totals = starts.astype(index_dtype), totals.astype(index_dtype)
    result = loop_colors(starts, totals, colors, n_loops)
    expected = reference_loop_colors(starts, totals, colors, n_loops)
    assert result.shape == (n_loops, colors.shape[1])
    assert result.dtype == colors.dtype
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_result_dtype_follows_colours(dtype):
    colors = np.arange(8, dtype=dtype).reshape(2, 4)
    result = loop_colors(np.array([0, 3], np.int32), np.array([3, 4], np.int32), colors)
    assert result.dtype == dtype
    assert result.shape == (7, 4)
    np.testing.assert_array_equal(result[:3], np.repeat(colors[:1], 3, axis=0))
    np.testing.assert_array_equal(result[3:], np.repeat(colors[1:], 4, axis=0))


def test_n_loops_defaults_to_total_and_extra_colours_are_ignored():
    colors = np.eye(4, dtype=np.float32)
    result = loop_colors([2, 0], [3, 2], colors)
    np.testing.assert_array_equal(result, colors[[1, 1, 0, 0, 0]])


def test_empty_mesh():
    result = loop_colors(np.array([], np.int32), np.array([], np.int32), np.zeros((0, 4), np.float32))
    assert result.shape == (0, 4)


@pytest.mark.parametrize(
    "starts, totals, n_colors, n_loops, message",
    [
        ([0, 2], [3, 2], 2, None, "overlapping"),
        ([0, 4], [3, 2], 2, None, "gap"),
        ([0, 3], [3, 2], 2, 4, "past n_loops"),
        ([0, 3], [3, 2], 2, 7, "gap"),
        ([1, 3], [2, 2], 2, None, "gap: loops 0"),
        ([0, 3], [3, -1], 2, None, "negative"),
        ([0, 3], [3], 2, None, "2 faces but loop_total has 1"),
        ([0, 3], [3, 2], 1, None, "fewer than the 2 faces"),
        ([-2, 0], [2, 2], 2, 2, "negative"),
    ],
)
def test_refuses_bad_layouts(starts, totals, n_colors, n_loops, message):
    colors = np.zeros((n_colors, 4), np.float32)
    with pytest.raises(ValueError, match=message):
        loop_colors(np.array(starts), np.array(totals), colors, n_loops)


def test_refuses_bad_shapes():
    with pytest.raises(ValueError, match="2-D"):
        loop_colors([0], [3], np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="1-D"):
        loop_colors([[0]], [[3]], np.zeros((1, 4), np.float32))
    with pytest.raises(ValueError, match="integers"):
        loop_colors(np.array([0.0]), np.array([3]), np.zeros((1, 4), np.float32))


@given(st.lists(st.integers(1, 9), max_size=40))
def test_totals_from_starts(totals):
    totals = np.array(totals, dtype=np.int32)
    starts = (np.cumsum(totals) - totals).astype(np.int32)
    derived = loop_totals_from_starts(starts, int(totals.sum()))
    np.testing.assert_array_equal(derived, totals)
    assert derived.dtype == np.int32


def test_totals_from_starts_declines_unordered_offsets():
    assert loop_totals_from_starts(np.array([3, 0]), 6) is None
    assert loop_totals_from_starts(np.array([1, 3]), 6) is None
    assert loop_totals_from_starts(np.array([0, 0, 3]), 6) is None
    assert loop_totals_from_starts(np.array([0, 6]), 6) is None


def test_core_imports_without_blender():
    code = (
        "import sys, random_vertex_colors.core as c; "
        "assert 'bpy' not in sys.modules, 'core pulled in bpy'; print(c.loop_colors.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "loop_colors"


@given(st.lists(st.integers(1, 9), min_size=0, max_size=60), st.integers(1, 4), st.booleans())
def test_spread_face_rows_equals_loop_colors(totals, channels, uniform):
    # The face rows stored at the end of the corner array, spread in place, give loop_colors' result.
    totals = np.array([totals[0]] * len(totals) if uniform and totals else totals, dtype=np.int32)
    starts = (np.cumsum(totals) - totals).astype(np.int32)
    n_loops = int(totals.sum())
    rows = np.random.default_rng(len(totals)).random((len(totals), channels), dtype=np.float32)
    buffer = np.full((n_loops, channels), np.nan, dtype=np.float32)
    buffer[n_loops - len(totals):] = rows
    out = spread_face_rows(starts, totals, buffer)
    assert out is buffer
    np.testing.assert_array_equal(out, loop_colors(starts, totals, rows, n_loops))


def test_spread_face_rows_over_many_blocks():
    totals = np.tile(np.array([3, 4, 5, 8], dtype=np.int32), 20_000)  # 80k faces: several blocks
    starts = (np.cumsum(totals) - totals).astype(np.int32)
    rows = np.arange(len(totals) * 2, dtype=np.float32).reshape(-1, 2)
    buffer = np.empty((int(totals.sum()), 2), dtype=np.float32)
    buffer[-len(totals):] = rows
    np.testing.assert_array_equal(spread_face_rows(starts, totals, buffer), np.repeat(rows, totals, axis=0))


def test_spread_face_rows_refuses_faces_out_of_order_or_empty():
    buffer = np.zeros((4, 1), dtype=np.float32)
    with pytest.raises(ValueError, match="corner order"):
        spread_face_rows(np.array([2, 0]), np.array([2, 2]), buffer)
    with pytest.raises(ValueError, match="no corners"):
        spread_face_rows(np.array([0, 4]), np.array([4, 0]), buffer)
    with pytest.raises(ValueError, match="gap"):
        spread_face_rows(np.array([0]), np.array([3]), buffer)

# SPDX-License-Identifier: GPL-3.0-or-later
"""blend_face_colors: the blend of one new color per face into the corners, never spread first.

Checked against the plain route it replaces (spread the new colors with
``loop_colors``, then ``blend_colors`` every corner), bit for bit, over
meshes whose faces hold one color each, differ at the corners, or both,
in blocks as small as one face.
"""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from random_vertex_colors import core

written_flags = st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans())
# 0 and 1 exactly as often as in between: each takes its own route.
mixes = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(0, 1))


def colors(n):
    """(n, 4) float32 in [0, 1], as an attribute holds them."""
    return hnp.arrays(np.float32, (n, 4), elements=st.floats(0, 1, width=32))


@st.composite
def meshes(draw):
    """Faces (some without corners, in any order), the colors there and one new color per face.

    Each face's corners hold one color or each their own, so blocks of
    every kind (all uniform, none, some) occur.
    """
    sizes = np.array(draw(st.lists(st.integers(0, 5), min_size=1, max_size=14)))
    if sizes.sum() == 0:
        sizes[0] = 3
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    order = np.array(draw(st.permutations(range(len(sizes)))))
    starts, sizes = starts[order], sizes[order]  # the faces listed in any order
    n_loops = int(sizes.sum())
    per_face = core.loop_colors(starts, sizes, draw(colors(len(sizes))), n_loops)
    per_corner = draw(colors(n_loops))
    uniform = np.array(draw(st.lists(st.booleans(), min_size=len(sizes), max_size=len(sizes))))
    corner_uniform = core.loop_colors(starts, sizes, uniform[:, None], n_loops)[:, 0]
    current = np.where(corner_uniform[:, None], per_face, per_corner)
    return starts, sizes, current, draw(colors(len(sizes)))


@settings(max_examples=150)
@given(meshes(), mixes, written_flags, st.booleans(), st.booleans(), st.integers(1, 9))
def test_blending_per_face_equals_spreading_then_blending_every_corner(mesh, mix, written, linear, in_place,
                                                                        block):
    starts, sizes, current, faces = mesh
    expected = core.blend_colors(current, core.loop_colors(starts, sizes, faces, len(current)), mix, written,
                                 linear)
    there = current.copy()
    with mock.patch.object(core, "_BLOCK_CORNERS", block):
        out = core.blend_face_colors(there, faces, mix, written, linear, starts, sizes, in_place=in_place)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    assert np.array_equal(out, expected)
    assert (out is there) == in_place
    if not in_place:
        assert np.array_equal(there, current)  # the input is not changed


@settings(max_examples=150)
@given(meshes(), mixes, written_flags, st.booleans(), st.integers(1, 9))
def test_new_colors_given_in_srgb_blend_as_the_colors_they_stand_for(mesh, mix, written, linear, block):
    starts, sizes, current, faces_srgb = mesh
    with mock.patch.object(core, "_BLOCK_CORNERS", block):
        out = core.blend_face_colors(current, faces_srgb, mix, written, linear, starts, sizes, face_srgb=True)
    chosen = np.array(written)
    # Unwritten channels, and everything at mix 0: the colors there, bit for bit.
    assert np.array_equal(out[:, ~chosen], current[:, ~chosen])
    if mix == 0.0:
        assert np.array_equal(out, current)
    # Written channels: the blend in sRGB, in float64 from the exact transfer functions.
    new = core.loop_colors(starts, sizes, faces_srgb.astype(np.float64), len(current))
    start = current.astype(np.float64)
    if linear:
        start[:, :3] = core.linear_to_srgb(start[:, :3])
    expected = start + mix * (new - start)
    if linear:
        expected[:, :3] = core.srgb_to_linear(expected[:, :3])
    np.testing.assert_allclose(out[:, chosen], expected[:, chosen], rtol=2e-6, atol=2e-6)


def test_one_color_broadcast_over_every_face_and_read_only_faces():
    """OBJECT's colors come as one row broadcast to every face (a read-only view)."""
    sizes = np.array([4, 3, 5, 4])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    current = np.random.default_rng(1).random((sizes.sum(), 4), dtype=np.float32)
    row = np.array([0.2, 0.9, 0.4, 1.0], np.float32)
    faces = np.broadcast_to(row, (len(sizes), 4))
    written = (True, True, False, False)
    for mix in (0.3, 1.0):
        out = core.blend_face_colors(current, faces, mix, written, True, starts, sizes)
        expected = core.blend_colors(current, np.tile(row, (len(current), 1)), mix, written, True)
        assert np.array_equal(out, expected)


def test_blend_face_colors_refuses_what_does_not_describe_a_mesh():
    current = np.zeros((7, 4), np.float32)
    starts, sizes = np.array([0, 4]), np.array([4, 3])
    faces = np.zeros((2, 4), np.float32)
    with pytest.raises(ValueError, match="face_colors"):
        core.blend_face_colors(current, faces[:1], 0.5, (True,) * 4, True, starts, sizes)
    with pytest.raises(ValueError, match="gap"):
        core.blend_face_colors(current, faces, 0.5, (True,) * 4, True, starts, np.array([3, 3]))
    with pytest.raises(ValueError, match="overlapping"):
        core.blend_face_colors(current, faces, 0.5, (True,) * 4, True, np.array([0, 3]), sizes)
    with pytest.raises(ValueError, match="negative"):
        core.blend_face_colors(current, faces, 0.5, (True,) * 4, True, starts, np.array([8, -1]))
    with pytest.raises(ValueError, match="mix"):
        core.blend_face_colors(current, faces, 1.5, (True,) * 4, True, starts, sizes)
    with pytest.raises(ValueError, match="current"):
        core.blend_face_colors(current[:, :3], faces, 0.5, (True,) * 4, True, starts, sizes)

# SPDX-License-Identifier: GPL-3.0-or-later
"""Face starts read straight from Blender's face table equal what foreach_get reads."""

import bpy
import numpy as np
import pytest
from meshes import from_faces, grid, ngon_and_loose_edges, read_loop_colors, suzanne

from random_vertex_colors import face_starts


def rna_starts(me):
    starts = np.empty(len(me.polygons), dtype=np.int32)
    me.polygons.foreach_get("loop_start", starts)
    return starts


def with_faces_deleted():
    """A grid with every third face deleted through bmesh, so starts are renumbered."""
    import bmesh

    ob = grid(9, 7, name="Holes")
    bm = bmesh.new()
    bm.from_mesh(ob.data)
    bm.faces.ensure_lookup_table()
    bmesh.ops.delete(bm, geom=[f for f in bm.faces if f.index % 3 == 0], context='FACES_ONLY')
    bm.to_mesh(ob.data)
    bm.free()
    return ob


@pytest.mark.parametrize(
    "make", [lambda: grid(17, 5), suzanne, ngon_and_loose_edges, with_faces_deleted],
    ids=["grid", "suzanne", "ngon_loose_edges", "faces_deleted"],
)
def test_in_place_starts_equal_foreach_get(empty_scene, make):
    me = make().data
    starts = face_starts.face_starts_in_place(me.polygons)
    assert starts is not None, "Blender's face table no longer reads in place: colouring lost its fast path"
    assert starts.dtype == np.int32
    assert np.array_equal(starts, rna_starts(me))


def test_single_face_uses_foreach_get(empty_scene):
    me = from_faces([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [(0, 1, 2)], name="Tri").data
    assert face_starts.face_starts_in_place(me.polygons) is None
    starts, totals = face_starts.face_corner_ranges(me)
    assert starts.tolist() == [0] and totals.tolist() == [3]


def test_operator_colours_do_not_depend_on_how_starts_are_read(empty_scene, monkeypatch):
    me = with_faces_deleted().data
    assert bpy.ops.mesh.random_vertex_colors(seed=6) == {'FINISHED'}
    in_place = read_loop_colors(me).copy()
    monkeypatch.setenv(face_starts.ENV_NO_RAW_READ, "1")
    assert bpy.ops.mesh.random_vertex_colors(seed=7) == {'FINISHED'}
    assert not np.array_equal(read_loop_colors(me), in_place)
    assert bpy.ops.mesh.random_vertex_colors(seed=6) == {'FINISHED'}
    assert np.array_equal(read_loop_colors(me), in_place)


def test_foreach_get_route_reads_the_same_ranges(empty_scene, monkeypatch):
    me = suzanne().data
    fast = face_starts.face_corner_ranges(me)
    monkeypatch.setenv(face_starts.ENV_NO_RAW_READ, "1")
    monkeypatch.setattr(face_starts, "face_starts_in_place", _must_not_read)
    slow = face_starts.face_corner_ranges(me)
    for a, b in zip(fast, slow, strict=True):
        assert a.dtype == b.dtype == np.int32 and np.array_equal(a, b)


def _must_not_read(polygons):
    raise AssertionError("the raw read ran where it is switched off")


def test_an_untested_blender_version_never_reads_raw(empty_scene, monkeypatch):
    me = grid(5, 5).data
    monkeypatch.setattr(face_starts, "face_starts_in_place", _must_not_read)
    starts, totals = face_starts.face_corner_ranges(me, version=(9, 9, 0))
    assert np.array_equal(starts, rna_starts(me)) and set(totals.tolist()) == {4}
    assert not face_starts.raw_read_allowed((5, 1, 0))


def test_the_raw_read_runs_in_this_blender_only_if_the_suite_covers_it(empty_scene):
    tested = tuple(bpy.app.version[:2]) in face_starts.RAW_READ_VERSIONS
    assert face_starts.raw_read_allowed(bpy.app.version) == tested

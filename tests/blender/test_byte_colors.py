# SPDX-License-Identifier: GPL-3.0-or-later
"""Byte colours written per face (byte_colors) give the bytes a per-corner foreach_set gives.

Runs in every Blender: where the face route does not apply (Blender 3.4) the
tests check that it declines and that write_corner_colors still writes the
same bytes the plain way.
"""

import bpy
import numpy as np
import pytest
from meshes import from_faces, grid, read_loop_colors, select_only, suzanne

from random_vertex_colors import byte_colors, core, face_starts, mesh_arrays

FACE_ROUTE = bpy.app.version >= byte_colors.MIN_BLENDER


@pytest.fixture(autouse=True)
def small_meshes_take_the_route(monkeypatch):
    monkeypatch.setattr(byte_colors, "MIN_CORNERS", 0)


def mixed_mesh():
    """Triangles, quads, a pentagon and an octagon, connected."""
    vertices = [(x, y, 0) for y in (0, 1) for x in range(8)] + [(3.5, 2, 0), (6.5, 2.5, 0)]
    faces = [(0, 1, 9, 8), (1, 2, 10, 9), (2, 3, 11), (2, 11, 10), (3, 4, 5, 13, 12, 11),
             (5, 6, 7, 15, 14, 13), (11, 12, 16), (13, 14, 15, 17)]
    return from_faces(vertices, faces, name="Mixed")


def face_constant_srgb(me, seed=0):
    """Per-face sRGB values with the awkward ones mixed in: 0, 1, out of range, byte rounding edges."""
    rng = np.random.default_rng(seed)
    n = len(me.polygons)
    values = rng.random((n, 4), dtype=np.float32)
    edges = np.array([0.0, 1.0, -0.25, 1.5, 0.5 / 255, 1.5 / 255, 1 - 0.5 / 255, 127.5 / 255], np.float32)
    values.flat[: min(values.size, edges.size * 3)] = np.resize(edges, min(values.size, edges.size * 3))
    loop_start, loop_total = face_starts.face_corner_ranges(me)
    return core.loop_colors(loop_start, loop_total, values, len(me.loops))


def byte_attribute(me, name="Paint"):
    me.color_attributes.new(name, 'BYTE_COLOR', 'CORNER')
    return name


def plain_bytes(me, name, values):
    """What foreach_set on color_srgb writes, on a copy of the mesh."""
    copy = me.copy()
    try:
        copy.attributes[name].data.foreach_set("color_srgb", values.reshape(-1))
        return read_loop_colors(copy, name, prop="color_srgb").copy()
    finally:
        bpy.data.meshes.remove(copy)


def layout(me):
    colors = me.color_attributes
    active = me.attributes.active
    return (
        [(a.name, a.domain, a.data_type) for a in me.attributes],
        colors.active_color_name,
        colors.default_color_name,
        active.name if active is not None else None,
        sorted(ob.name for ob in bpy.data.objects),
        len(bpy.data.meshes),
    )


@pytest.mark.parametrize(
    "make", [lambda: grid(30, 20), suzanne, mixed_mesh], ids=["grid", "suzanne", "mixed"]
)
def test_write_corner_colors_matches_plain_foreach_set(empty_scene, make):
    me = make().data
    name = byte_attribute(me)
    values = face_constant_srgb(me)
    expected = plain_bytes(me, name, values)
    mesh_arrays.write_colors(me, name, values)
    assert np.array_equal(read_loop_colors(me, name, prop="color_srgb"), expected)


def test_face_route_is_taken_where_available(empty_scene):
    me = suzanne().data
    name = byte_attribute(me)
    values = face_constant_srgb(me, seed=3)
    expected = plain_bytes(me, name, values)
    assert byte_colors.applies(me, name, values.size) == FACE_ROUTE
    if not FACE_ROUTE:
        return
    loop_start, loop_total = face_starts.face_corner_ranges(me)
    assert byte_colors.write_bytes_by_face(me, name, values, loop_start, loop_total)
    assert np.array_equal(read_loop_colors(me, name, prop="color_srgb"), expected)


def test_face_route_keeps_names_order_and_active_attributes(empty_scene):
    ob = grid(12, 9)
    me = ob.data
    me.color_attributes.new("Point colour", 'FLOAT_COLOR', 'POINT')
    me.color_attributes.new("Float", 'FLOAT_COLOR', 'CORNER')
    me.color_attributes.new("Other bytes", 'BYTE_COLOR', 'CORNER')
    name = byte_attribute(me)
    me.color_attributes.active_color_name = name
    me.color_attributes.default_color_name = "Float"
    me.attributes.new("weight", 'FLOAT', 'POINT')
    me.attributes.active = me.attributes["weight"]
    before = layout(me)
    values = face_constant_srgb(me, seed=5)
    expected = plain_bytes(me, name, values)

    mesh_arrays.write_colors(me, name, values)

    assert layout(me) == before
    assert np.array_equal(read_loop_colors(me, name, prop="color_srgb"), expected)


def test_corners_that_differ_are_written_per_corner(empty_scene):
    me = grid(10, 10).data
    name = byte_attribute(me)
    values = face_constant_srgb(me, seed=7)
    values[5] = [0.1, 0.2, 0.3, 0.4]  # one corner of face 1 differs from its face
    before = layout(me)
    loop_start, loop_total = face_starts.face_corner_ranges(me)
    assert not byte_colors.write_bytes_by_face(me, name, values, loop_start, loop_total)
    assert layout(me) == before
    expected = plain_bytes(me, name, values)
    mesh_arrays.write_colors(me, name, values)
    assert np.array_equal(read_loop_colors(me, name, prop="color_srgb"), expected)


def test_target_not_last_byte_attribute_is_written_in_place(empty_scene):
    me = grid(10, 10).data
    name = byte_attribute(me, "First")
    byte_attribute(me, "Second")
    assert not byte_colors.applies(me, name, 4 * len(me.loops))
    before = layout(me)
    values = face_constant_srgb(me, seed=9)
    expected = plain_bytes(me, name, values)
    mesh_arrays.write_colors(me, name, values)
    assert layout(me) == before
    assert np.array_equal(read_loop_colors(me, name, prop="color_srgb"), expected)


def test_vertex_paint_mode_declines(empty_scene):
    ob = grid(6, 6)
    name = byte_attribute(ob.data)
    select_only(ob)
    bpy.ops.object.mode_set(mode='VERTEX_PAINT')
    try:
        assert not byte_colors.applies(ob.data, name, 4 * len(ob.data.loops))
    finally:
        bpy.ops.object.mode_set(mode='OBJECT')


@pytest.mark.skipif(not FACE_ROUTE, reason="the face route is not used before Blender 4.2")
def test_taken_temporary_name_changes_nothing_or_is_avoided(empty_scene, monkeypatch):
    # Up to 5.0 Blender refuses an attribute named like a vertex group: the route must give up
    # cleanly. 5.2+ names it "taken.001" instead: the route must follow and leave nothing behind.
    ob = grid(8, 8)
    me = ob.data
    ob.vertex_groups.new(name="taken")
    ob.vertex_groups.new(name="taken-previous")
    monkeypatch.setattr(byte_colors, "TEMP_NAME", "taken")
    name = byte_attribute(me)
    original = read_loop_colors(me, name, prop="color_srgb").copy()
    before = layout(me)
    values = face_constant_srgb(me)
    expected = plain_bytes(me, name, values)
    loop_start, loop_total = face_starts.face_corner_ranges(me)
    written = byte_colors.write_bytes_by_face(me, name, values, loop_start, loop_total)
    assert written == (bpy.app.version >= (5, 2, 0))
    assert layout(me) == before
    assert np.array_equal(read_loop_colors(me, name, prop="color_srgb"), expected if written else original)


@pytest.mark.skipif(not FACE_ROUTE, reason="the face route is not used before Blender 4.2")
def test_refusal_after_conversion_changes_nothing(empty_scene):
    # An attribute made after the target: Blender up to 5.0 lists it with its domain, before the
    # corners, and the route keeps the order; 5.2+ lists it after the target, where the converted
    # attribute would come after it, so the route must give up once it sees that order.
    ob = grid(8, 8)
    me = ob.data
    name = byte_attribute(me)
    me.attributes.new("weight", 'FLOAT', 'POINT')
    creation_order = [a.name for a in me.attributes][-1] == "weight"
    assert byte_colors.applies(me, name, 4 * len(me.loops)) != creation_order
    original = read_loop_colors(me, name, prop="color_srgb").copy()
    before = layout(me)
    values = face_constant_srgb(me, seed=2)
    expected = plain_bytes(me, name, values)
    loop_start, loop_total = face_starts.face_corner_ranges(me)
    written = byte_colors.write_bytes_by_face(me, name, values, loop_start, loop_total)
    assert written != creation_order
    assert layout(me) == before
    assert np.array_equal(read_loop_colors(me, name, prop="color_srgb"), expected if written else original)


def test_operator_gives_the_same_bytes_either_way(empty_scene, monkeypatch):
    ob = suzanne()
    me = ob.data
    byte_attribute(me)
    me.color_attributes.active_color_name = "Paint"
    assert bpy.ops.mesh.random_vertex_colors(seed=4) == {'FINISHED'}
    routed = read_loop_colors(me, "Paint", prop="color_srgb").copy()
    monkeypatch.setattr(byte_colors, "MIN_BLENDER", (99, 0, 0))
    assert bpy.ops.mesh.random_vertex_colors(seed=5) == {'FINISHED'}
    assert not np.array_equal(read_loop_colors(me, "Paint", prop="color_srgb"), routed)
    assert bpy.ops.mesh.random_vertex_colors(seed=4) == {'FINISHED'}
    assert np.array_equal(read_loop_colors(me, "Paint", prop="color_srgb"), routed)
    assert [a.name for a in me.color_attributes] == ["Paint"]


@pytest.mark.parametrize("granularity", ['FACE', 'ISLAND', 'UV_ISLAND', 'FACE_SET', 'OBJECT', 'MATERIAL',
                                         'VERTEX'])
def test_operator_writes_face_colors_straight_to_bytes_as_per_corner(empty_scene, monkeypatch, granularity):
    # The operator hands face colors to the byte route without building corners: same bytes.
    ob = suzanne()
    me = ob.data
    me.materials.append(bpy.data.materials.new("One"))
    me.materials.append(bpy.data.materials.new("Two"))
    me.polygons.foreach_set("material_index", (np.arange(len(me.polygons)) % 2).astype(np.int32))
    byte_attribute(me)
    me.color_attributes.active_color_name = "Paint"
    calls = []
    original = byte_colors.write_face_bytes
    monkeypatch.setattr(byte_colors, "write_face_bytes", lambda *a: calls.append(1) or original(*a))
    assert bpy.ops.mesh.random_vertex_colors(seed=4, granularity=granularity) == {'FINISHED'}
    routed = read_loop_colors(me, "Paint", prop="color_srgb").copy()
    assert len(calls) == (FACE_ROUTE and granularity != 'VERTEX')
    monkeypatch.setattr(byte_colors, "MIN_BLENDER", (99, 0, 0))
    assert bpy.ops.mesh.random_vertex_colors(seed=5, granularity=granularity) == {'FINISHED'}
    assert bpy.ops.mesh.random_vertex_colors(seed=4, granularity=granularity) == {'FINISHED'}
    assert np.array_equal(read_loop_colors(me, "Paint", prop="color_srgb"), routed)
    assert [a.name for a in me.color_attributes] == ["Paint"]

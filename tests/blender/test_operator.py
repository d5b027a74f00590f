# SPDX-License-Identifier: GPL-3.0-or-later
"""The operator in real Blender, asserting on the data it wrote."""

import bpy
import numpy as np
import pytest
from meshes import (
    corner_faces,
    face_colors,
    from_faces,
    grid,
    n_unique_rows,
    ngon_and_loose_edges,
    read_loop_colors,
    select_faces_in_edit_mode,
    select_only,
    suzanne,
)


def run(**props):
    return bpy.ops.mesh.random_vertex_colors(**props)


def test_grid_one_distinct_colour_per_face(empty_scene):
    ob = grid(10, 10)
    assert run() == {'FINISHED'}
    me = ob.data
    attribute = me.color_attributes.active_color
    assert (attribute.name, attribute.data_type, attribute.domain) == ("Color", 'FLOAT_COLOR', 'CORNER')
    colors = face_colors(me)
    assert colors.shape == (100, 4)
    assert n_unique_rows(colors) == 100
    assert np.all(colors[:, 3] == 1.0)
    assert np.all((colors >= 0) & (colors <= 1))


@pytest.mark.parametrize("make", [suzanne, ngon_and_loose_edges], ids=["suzanne", "ngon_loose_edges"])
def test_mixed_faces_one_colour_per_face(empty_scene, make):
    ob = make()
    assert run(seed=7) == {'FINISHED'}
    colors = face_colors(ob.data)
    assert n_unique_rows(colors) == len(ob.data.polygons)


def test_colours_look_uniform_in_srgb(empty_scene):
    ob = grid(60, 60)
    run(seed=1)
    srgb = face_colors(ob.data, prop="color_srgb")[:, :3]
    # 3600 uniform draws: the mean is 0.5 within 5 standard errors.
    assert np.all(np.abs(srgb.mean(axis=0) - 0.5) < 5 * 0.29 / 60)
    assert srgb.min() < 0.01 and srgb.max() > 0.99


def test_same_seed_same_colours_other_seed_other_colours(empty_scene):
    ob = grid(8, 8)
    run(seed=-12345)
    first = read_loop_colors(ob.data).copy()
    run(seed=99)
    other = read_loop_colors(ob.data).copy()
    run(seed=-12345)
    again = read_loop_colors(ob.data)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("seed", [0, -1, 2**31 - 1, -(2**31)])
def test_any_int_seed(empty_scene, seed):
    ob = grid(3, 3)
    assert run(seed=seed) == {'FINISHED'}
    assert n_unique_rows(face_colors(ob.data)) == 9


def test_other_data_untouched(empty_scene):
    ob = grid(6, 6)
    me = ob.data
    weights = me.attributes.new("weight", 'FLOAT', 'POINT')
    weights.data.foreach_set("value", np.arange(len(me.vertices), dtype=np.float32))
    positions = np.empty(len(me.vertices) * 3, dtype=np.float32)
    me.vertices.foreach_get("co", positions)
    uvs = np.empty(len(me.loops) * 2, dtype=np.float32)
    me.uv_layers.active.data.foreach_get("uv", uvs)
    corner_verts = np.empty(len(me.loops), dtype=np.int32)
    me.loops.foreach_get("vertex_index", corner_verts)

    run(seed=3)

    after = np.empty_like(positions)
    me.vertices.foreach_get("co", after)
    assert np.array_equal(positions, after)
    after_uv = np.empty_like(uvs)
    me.uv_layers.active.data.foreach_get("uv", after_uv)
    assert np.array_equal(uvs, after_uv)
    after_verts = np.empty_like(corner_verts)
    me.loops.foreach_get("vertex_index", after_verts)
    assert np.array_equal(corner_verts, after_verts)
    values = np.empty(len(me.vertices), dtype=np.float32)
    me.attributes["weight"].data.foreach_get("value", values)
    assert np.array_equal(values, np.arange(len(me.vertices)))


def test_active_corner_attribute_is_reused_and_keeps_its_type(empty_scene):
    ob = grid(4, 4)
    me = ob.data
    me.color_attributes.new("Paint", 'BYTE_COLOR', 'CORNER')
    me.color_attributes.active_color = me.color_attributes["Paint"]
    run(seed=2)
    assert [a.name for a in me.color_attributes] == ["Paint"]
    assert me.color_attributes["Paint"].data_type == 'BYTE_COLOR'
    srgb = face_colors(me, "Paint", prop="color_srgb")
    assert n_unique_rows(srgb) == 16
    # Byte colours hold k/255 exactly.
    assert np.allclose(srgb * 255, np.round(srgb * 255), atol=1e-4)


def test_point_domain_active_gets_a_new_corner_attribute(empty_scene):
    ob = grid(4, 4)
    me = ob.data
    me.color_attributes.new("Color", 'FLOAT_COLOR', 'POINT')
    me.color_attributes.active_color = me.color_attributes["Color"]
    point_before = read_loop_colors_point(me)
    run()
    active = me.color_attributes.active_color
    assert active.name == "Color.001" and active.domain == 'CORNER'
    assert np.array_equal(point_before, read_loop_colors_point(me))
    assert n_unique_rows(face_colors(me, "Color.001")) == 16


def read_loop_colors_point(me):
    values = np.empty(len(me.vertices) * 4, dtype=np.float32)
    me.attributes["Color"].data.foreach_get("color", values)
    return values


def test_named_attribute_is_created_and_made_active(empty_scene):
    ob = grid(2, 2)
    run(attribute_name="ID map")
    me = ob.data
    assert me.color_attributes.active_color.name == "ID map"
    assert me.attributes["ID map"].domain == 'CORNER'
    assert n_unique_rows(face_colors(me, "ID map")) == 4


def test_non_colour_attribute_is_refused_and_untouched(empty_scene):
    ob = grid(3, 3)
    me = ob.data
    ids = me.attributes.new("ids", 'INT', 'FACE')
    ids.data.foreach_set("value", np.arange(9, dtype=np.int32))
    with pytest.raises(RuntimeError, match=r"'ids'.*INT"):
        run(attribute_name="ids")
    values = np.empty(9, dtype=np.int32)
    me.attributes["ids"].data.foreach_get("value", values)
    assert np.array_equal(values, np.arange(9))
    assert len(me.color_attributes) == 0


def test_edit_mode_only_selected_faces_change_and_survive(empty_scene):
    ob = grid(6, 6)
    me = ob.data
    run(seed=1)
    before = face_colors(me)
    chosen = np.zeros(36, dtype=bool)
    chosen[[0, 5, 17, 35]] = True
    select_faces_in_edit_mode(ob, np.flatnonzero(chosen))
    assert run(seed=2, only_selected=True) == {'FINISHED'}
    bpy.ops.object.mode_set(mode='OBJECT')
    after = face_colors(me)
    assert np.array_equal(after[~chosen], before[~chosen])  # bit-identical
    assert not np.any(np.all(after[chosen] == before[chosen], axis=1))


def test_edit_mode_whole_mesh_survives_leaving_edit_mode(empty_scene):
    ob = grid(5, 5)
    bpy.ops.object.mode_set(mode='EDIT')
    assert run(seed=4) == {'FINISHED'}
    assert ob.mode == 'EDIT'
    bpy.ops.object.mode_set(mode='OBJECT')
    assert n_unique_rows(face_colors(ob.data)) == 25


def test_vertex_paint_mode(empty_scene):
    ob = grid(4, 4)
    bpy.ops.object.mode_set(mode='VERTEX_PAINT')
    assert bpy.context.mode == 'PAINT_VERTEX'
    assert run(seed=5) == {'FINISHED'}
    bpy.ops.object.mode_set(mode='OBJECT')
    assert n_unique_rows(face_colors(ob.data)) == 16


def test_objects_share_a_seed_but_not_colours_and_order_does_not_matter(empty_scene):
    a = grid(4, 4, name="A")
    b = grid(4, 4, name="B")
    select_only(a, b)
    run(seed=11)
    colors_a, colors_b = face_colors(a.data), face_colors(b.data)
    assert not np.array_equal(colors_a, colors_b)
    select_only(b, a)
    run(seed=11)
    assert np.array_equal(face_colors(a.data), colors_a)
    assert np.array_equal(face_colors(b.data), colors_b)


def test_shared_mesh_coloured_once_and_non_meshes_skipped(empty_scene):
    a = grid(3, 3, name="Shared")
    b = bpy.data.objects.new("Twin", a.data)
    bpy.context.scene.collection.objects.link(b)
    cam = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    bpy.context.scene.collection.objects.link(cam)
    select_only(cam, a, b)
    assert run(seed=3) == {'FINISHED'}
    shared = face_colors(a.data)
    # Colouring the mesh alone gives the same colours: it was coloured once, with its own stream.
    select_only(a)
    run(seed=3)
    assert np.array_equal(face_colors(a.data), shared)
    assert len(a.data.color_attributes) == 1


def test_poll_refuses_without_a_mesh(empty_scene):
    assert not bpy.ops.mesh.random_vertex_colors.poll()
    cam = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    bpy.context.scene.collection.objects.link(cam)
    select_only(cam)
    assert not bpy.ops.mesh.random_vertex_colors.poll()
    with pytest.raises(RuntimeError):
        run()


def test_mesh_without_faces_is_reported_not_written(empty_scene):
    ob = from_faces([(0, 0, 0), (1, 0, 0), (2, 0, 0)], [], edges=[(0, 1), (1, 2)], name="Wire")
    with pytest.raises(RuntimeError, match="no faces"):
        run()
    assert len(ob.data.color_attributes) == 0


def test_corner_order_matches_blender_faces(empty_scene):
    # A mesh whose faces have different corner counts, checked against Blender's own face table.
    ob = from_faces(
        [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (2, 0, 0), (2, 1, 0), (3, 0.5, 0), (1.5, 2, 0)],
        [(0, 1, 2, 3), (1, 4, 5, 2), (4, 6, 5), (3, 2, 5, 7)],
    )
    run(seed=8)
    loops = read_loop_colors(ob.data)
    owner = corner_faces(ob.data)
    for face in range(4):
        assert n_unique_rows(loops[owner == face]) == 1
    assert n_unique_rows(loops) == 4


def test_menu_entries_registered(empty_scene):
    from random_vertex_colors import ui

    for name in ui.MENU_NAMES:
        menu = getattr(bpy.types, name)
        assert ui.draw_menu_entry in menu._dyn_ui_initialize(), name

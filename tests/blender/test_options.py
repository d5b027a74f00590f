# SPDX-License-Identifier: GPL-3.0-or-later
"""Granularities and colour modes, in real Blender, asserting on written colours."""

import bpy
import numpy as np
import pytest
from meshes import (
    corner_verts,
    cubes,
    face_colors,
    from_faces,
    grid,
    read_loop_colors,
    select_faces_in_edit_mode,
    select_only,
    set_uvs,
    unique_rows,
)

from random_vertex_colors import core, options


def run(**props):
    return bpy.ops.mesh.random_vertex_colors(**props)


@pytest.mark.parametrize("granularity", options.GRANULARITIES)
def test_every_granularity_the_settings_know_runs_in_the_operator(empty_scene, granularity):
    ob = cubes(2)
    set_uvs(ob.data, np.zeros((len(ob.data.loops), 2)))
    assert run(granularity=granularity, seed=1) == {'FINISHED'}
    assert ob.data.color_attributes.active_color.name == "Color"


@pytest.mark.parametrize("color_mode", [mode for mode in options.COLOR_MODES if mode != "PALETTE"])
def test_every_color_mode_the_settings_know_runs_in_the_operator(empty_scene, color_mode):
    ob = grid(4, 4)
    assert run(color_mode=color_mode, seed=1) == {'FINISHED'}
    assert len(unique_rows(face_colors(ob.data))) > 1


def test_island_three_cubes_three_colours(empty_scene):
    ob = cubes(3)
    assert run(granularity='ISLAND', seed=1) == {'FINISHED'}
    colors = face_colors(ob.data)
    assert len(unique_rows(colors)) == 3
    for island in range(3):
        assert len(unique_rows(colors[6 * island:6 * island + 6])) == 1


def test_island_connected_grid_is_one_colour(empty_scene):
    ob = grid(5, 5)
    run(granularity='ISLAND')
    assert len(unique_rows(face_colors(ob.data))) == 1


def two_uv_islands_on_one_mesh():
    """A connected 4x2 grid whose left and right halves are cut apart in UV space."""
    ob = grid(4, 2)
    me = ob.data
    verts = np.empty(len(me.vertices) * 3)
    me.vertices.foreach_get("co", verts)
    xy = verts.reshape(-1, 3)[:, :2]
    corner_xy = xy[corner_verts(me)]
    centers = np.array([f.center.x for f in me.polygons])
    right_face = centers > 0
    right_corner = np.repeat(right_face, [f.loop_total for f in me.polygons])
    uvs = corner_xy * 0.2 + 0.5
    uvs[right_corner, 0] += 0.3  # same vertices, other UVs: a seam down the middle
    set_uvs(me, uvs)
    return ob, right_face


def test_uv_island_two_islands_on_a_connected_mesh(empty_scene):
    ob, right_face = two_uv_islands_on_one_mesh()
    run(granularity='UV_ISLAND', seed=3)
    colors = face_colors(ob.data)
    assert len(unique_rows(colors)) == 2
    assert len(unique_rows(colors[right_face])) == 1
    assert len(unique_rows(colors[~right_face])) == 1
    run(granularity='ISLAND', seed=3)
    assert len(unique_rows(face_colors(ob.data))) == 1


def test_uv_island_without_uv_map_is_refused(empty_scene):
    ob = cubes(1)
    with pytest.raises(RuntimeError, match="no UV map"):
        run(granularity='UV_ISLAND')
    assert len(ob.data.color_attributes) == 0


def test_face_sets(empty_scene):
    ob = grid(4, 4)
    me = ob.data
    run(granularity='FACE_SET')
    assert len(unique_rows(face_colors(me))) == 1  # no face sets: one set
    name = ".sculpt_face_set" if bpy.app.version >= (4, 0) else "sculpt_face_set"
    sets = np.array([1, 1, 2, 2] * 2 + [7] * 4 + [3, 3, 3, 1], dtype=np.int32)
    me.attributes.new(name, 'INT', 'FACE').data.foreach_set("value", sets)
    run(granularity='FACE_SET', seed=2)
    colors = face_colors(me)
    assert len(unique_rows(colors)) == 4
    for face_set in np.unique(sets):
        assert len(unique_rows(colors[sets == face_set])) == 1


def test_object_granularity(empty_scene):
    a, b, c = cubes(2, name="A"), grid(2, 2, name="B"), cubes(1, name="C")
    select_only(c, a, b)
    run(granularity='OBJECT', seed=5)
    colors = [face_colors(ob.data) for ob in (a, b, c)]
    assert all(len(unique_rows(col)) == 1 for col in colors)
    assert len(unique_rows(np.concatenate([col[:1] for col in colors]))) == 3
    select_only(b, c, a)
    run(granularity='OBJECT', seed=5)
    for ob, before in zip((a, b, c), colors, strict=True):
        assert np.array_equal(face_colors(ob.data), before)


def test_material_granularity_same_material_same_colour_everywhere(empty_scene):
    red, blue = bpy.data.materials.new("Red"), bpy.data.materials.new("Blue")
    a = grid(4, 1, name="A")
    a.data.materials.append(red)
    a.data.materials.append(blue)
    a.data.polygons.foreach_set("material_index", np.array([0, 1, 1, 0], dtype=np.int32))
    b = cubes(1, name="B")
    b.data.materials.append(blue)
    select_only(a, b)
    run(granularity='MATERIAL', seed=8)
    colors_a, colors_b = face_colors(a.data), face_colors(b.data)
    assert np.array_equal(colors_a[0], colors_a[3]) and np.array_equal(colors_a[1], colors_a[2])
    assert not np.array_equal(colors_a[0], colors_a[1])
    assert np.all(colors_b == colors_a[1])  # Blue on both meshes


def test_vertex_granularity_corners_share_their_vertex_colour(empty_scene):
    ob = grid(4, 4)
    me = ob.data
    run(granularity='VERTEX', seed=4)
    loops = read_loop_colors(me)
    verts = corner_verts(me)
    per_vertex = np.zeros((len(me.vertices), 4), dtype=np.float32)
    per_vertex[verts] = loops
    assert np.array_equal(per_vertex[verts], loops)
    assert len(unique_rows(per_vertex)) == len(me.vertices)


def test_hsv_ranges_hold_in_srgb(empty_scene):
    import colorsys

    ob = grid(20, 20)
    run(color_mode='HSV', hue_range=(0.55, 0.65), saturation_range=(0.4, 0.6), value_range=(0.7, 0.9))
    srgb = face_colors(ob.data, prop="color_srgb")[:, :3]
    hsv = np.array([colorsys.rgb_to_hsv(*row) for row in srgb])
    tol = 2e-3
    assert hsv[:, 0].min() >= 0.55 - tol and hsv[:, 0].max() <= 0.65 + tol
    assert hsv[:, 1].min() >= 0.4 - tol and hsv[:, 1].max() <= 0.6 + tol
    assert hsv[:, 2].min() >= 0.7 - tol and hsv[:, 2].max() <= 0.9 + tol


@pytest.mark.parametrize("data_type", ['FLOAT_COLOR', 'BYTE_COLOR'])
def test_grayscale(empty_scene, data_type):
    ob = grid(6, 6)
    ob.data.color_attributes.new("Gray", data_type, 'CORNER')
    run(color_mode='GRAYSCALE', attribute_name="Gray")
    for prop in ("color", "color_srgb"):
        colors = face_colors(ob.data, "Gray", prop=prop)
        assert np.array_equal(colors[:, 0], colors[:, 1]) and np.array_equal(colors[:, 1], colors[:, 2])
    assert len(unique_rows(colors)) > 30


def make_palette(name, srgb_rows):
    palette = bpy.data.palettes.new(name)
    for row in srgb_rows:
        palette.colors.new().color = row
    stored = np.empty(len(srgb_rows) * 3, dtype=np.float32)
    palette.colors.foreach_get("color", stored)
    return palette, stored.reshape(-1, 3)


PALETTE_ROWS = [(0.9, 0.1, 0.1), (0.1, 0.8, 0.2), (0.1, 0.2, 0.9), (0.95, 0.9, 0.1), (0.5, 0.5, 0.5)]


@pytest.mark.parametrize("data_type", ['FLOAT_COLOR', 'BYTE_COLOR'])
def test_palette_uses_only_and_all_its_colours(empty_scene, data_type):
    palette, stored = make_palette("Five", PALETTE_ROWS)
    linear = type(palette.colors[0]).bl_rna.properties["color"].subtype != 'COLOR_GAMMA'
    ob = grid(6, 5)
    ob.data.color_attributes.new("Pal", data_type, 'CORNER')
    run(color_mode='PALETTE', palette_name="Five", attribute_name="Pal")
    if data_type == 'FLOAT_COLOR' and linear:
        # Written exactly as the palette stores them.
        written = face_colors(ob.data, "Pal")[:, :3]
        assert {tuple(row) for row in written} == {tuple(row) for row in stored}
        return
    # Otherwise compare in sRGB, the space a byte attribute stores (to byte precision).
    written = face_colors(ob.data, "Pal", prop="color_srgb")[:, :3]
    expected = core.linear_to_srgb(stored) if linear else stored
    tol = 0.5 / 255 + 1e-4 if data_type == 'BYTE_COLOR' else 1e-4
    distance = np.abs(written[:, None, :] - expected[None]).max(axis=-1)
    assert np.all(distance.min(axis=1) <= tol)
    assert set(distance.argmin(axis=1)) == set(range(len(stored)))


def test_palette_defaults_to_the_vertex_paint_palette_and_missing_is_refused(empty_scene):
    ob = grid(4, 4)
    with pytest.raises(RuntimeError, match="palette"):
        run(color_mode='PALETTE')
    with pytest.raises(RuntimeError, match="No palette named 'Nope'"):
        run(color_mode='PALETTE', palette_name="Nope")
    assert len(ob.data.color_attributes) == 0
    palette, _stored = make_palette("Tool", PALETTE_ROWS[:2])
    bpy.context.scene.tool_settings.vertex_paint.palette = palette
    run(color_mode='PALETTE')
    assert len(unique_rows(face_colors(ob.data))) == 2


def test_distinct_gives_24_islands_the_first_24_colors_once_each(empty_scene):
    ob = cubes(24)
    run(granularity='ISLAND', color_mode='DISTINCT', seed=9)
    srgb = face_colors(ob.data, prop="color_srgb")[::6, :3]
    expected = core.distinct_colors(24)
    distance = np.abs(srgb[:, None] - expected[None]).max(axis=-1)  # float attribute: round trip, not exact
    assert np.all(distance.min(axis=1) < 1e-3)
    assert sorted(distance.argmin(axis=1)) == list(range(24))


@pytest.mark.parametrize("size", [16, 40])  # 256 faces, and past the 1024 colors of the table
def test_distinct_faces_all_differ_in_a_byte_attribute(empty_scene, size):
    ob = grid(size, size)
    me = ob.data
    me.color_attributes.new("ID", 'BYTE_COLOR', 'CORNER')
    run(granularity='FACE', color_mode='DISTINCT', attribute_name="ID", seed=3)
    assert me.attributes["ID"].data_type == 'BYTE_COLOR'
    codes = np.rint(face_colors(me, "ID", prop="color_srgb")[:, :3] * 255).astype(np.int64)
    n = len(me.polygons)
    assert len(np.unique(codes, axis=0)) == n
    # The very colors of the sequence, byte for byte.
    expected = np.rint(core.distinct_colors(n) * 255).astype(np.int64)
    assert np.array_equal(np.unique(codes, axis=0), np.unique(expected, axis=0))


def test_random_alpha(empty_scene):
    ob = grid(6, 6)
    run(seed=1)
    opaque = face_colors(ob.data)
    assert np.all(opaque[:, 3] == 1)
    run(seed=1, random_alpha=True)
    varied = face_colors(ob.data)
    assert len(np.unique(varied[:, 3])) > 30
    # Alpha is drawn either way: switching it on leaves RGB alone.
    assert np.array_equal(varied[:, :3], opaque[:, :3])


def test_srgb_draws_read_back_through_color_srgb(empty_scene):
    ob = grid(8, 8)
    run(seed=12)
    draws = core.random_srgb16(core.rng_for(12, ob.data.name_full), 64)
    srgb = face_colors(ob.data, prop="color_srgb")
    np.testing.assert_allclose(srgb, draws / 65535, atol=2e-4)


@pytest.mark.parametrize("granularity", ['ISLAND', 'VERTEX', 'MATERIAL', 'OBJECT'])
def test_only_selected_works_with_every_granularity(empty_scene, granularity):
    ob = cubes(3)
    run(seed=1)
    before = face_colors(ob.data) if granularity != 'VERTEX' else read_loop_colors(ob.data).copy()
    chosen = np.zeros(18, dtype=bool)
    chosen[[0, 7, 8]] = True
    select_faces_in_edit_mode(ob, np.flatnonzero(chosen))
    assert run(seed=2, granularity=granularity, only_selected=True) == {'FINISHED'}
    bpy.ops.object.mode_set(mode='OBJECT')
    loops = read_loop_colors(ob.data)
    owner = np.repeat(np.arange(18), 4)
    if granularity == 'VERTEX':
        assert np.array_equal(loops[~chosen[owner]], before[~chosen[owner]])
        assert not np.any(np.all(loops[chosen[owner]] == before[chosen[owner]], axis=1))
    else:
        after = face_colors(ob.data)
        assert np.array_equal(after[~chosen], before[~chosen])
        assert not np.any(np.all(after[chosen] == before[chosen], axis=1))


def test_from_faces_helper_builds_what_it_says(empty_scene):
    ob = from_faces([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [(0, 1, 2)])
    assert len(ob.data.polygons) == 1

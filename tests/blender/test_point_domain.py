# SPDX-License-Identifier: GPL-3.0-or-later
"""Domain POINT: one color per vertex in a point-domain color attribute.

A vertex gets the color its corners get on the CORNER domain with the same
seed and granularity (VERTEX, ISLAND, OBJECT); the other granularities are
refused (the table in test_refusals.py runs those through both front ends).
Islands are checked against Blender's own Select Linked.
"""

import bmesh
import bpy
import numpy as np
import pytest
from commands import run as run_command
from meshes import corner_verts, cubes, grid, ngon_and_loose_edges, select_only, suzanne

from random_vertex_colors import core, formats

DATA_TYPES = ('FLOAT_COLOR', 'BYTE_COLOR')
ALLOWED = ('VERTEX', 'ISLAND', 'OBJECT')
TOLERANCE = 2.5 / 255  # 8-bit colors in PLY


def run(**props):
    return bpy.ops.mesh.random_vertex_colors(**props)


def prop_for(data_type):
    """Each type read in its own space: bit for bit what is stored."""
    return "color_srgb" if data_type == 'BYTE_COLOR' else "color"


def read(me, name, prop="color"):
    """Attribute ``name``'s values, (n_elements, 4) float32."""
    attribute = me.attributes[name]
    values = np.empty(len(attribute.data) * 4, dtype=np.float32)
    attribute.data.foreach_get(prop, values)
    return values.reshape(-1, 4)


def add_points(me, data_type, name="Points", seed=1):
    """A point attribute holding random colors (made active); returns what it holds."""
    me.color_attributes.new(name, data_type, 'POINT')
    values = np.random.default_rng(seed).random(len(me.vertices) * 4, dtype=np.float32)
    me.attributes[name].data.foreach_set("color", values)
    me.color_attributes.active_color = me.color_attributes[name]
    return read(me, name, prop_for(data_type)).copy()


def blender_islands(ob):
    """Island of each vertex (-1: in no face), from Blender's Select Linked, one island at a time."""
    select_only(ob)
    bpy.ops.object.mode_set(mode='EDIT')
    bpy.context.tool_settings.mesh_select_mode = (True, False, False)
    bm = bmesh.from_edit_mesh(ob.data)
    in_faces = np.array([bool(vertex.link_faces) for vertex in bm.verts])
    labels = np.full(len(bm.verts), -1, dtype=np.int64)
    for start in np.flatnonzero(in_faces):  # test-only loop: one Select Linked per island
        if labels[start] >= 0:
            continue
        bpy.ops.mesh.select_all(action='DESELECT')
        bm = bmesh.from_edit_mesh(ob.data)
        bm.verts.ensure_lookup_table()
        bm.verts[int(start)].select_set(True)
        bmesh.update_edit_mesh(ob.data)
        bpy.ops.mesh.select_linked(delimit=set())
        bm = bmesh.from_edit_mesh(ob.data)
        chosen = np.array([vertex.select for vertex in bm.verts])
        labels[chosen & (labels < 0)] = labels.max() + 1
    bpy.ops.mesh.select_all(action='DESELECT')
    bpy.ops.object.mode_set(mode='OBJECT')
    return labels


PALETTE = ((0.9, 0.1, 0.1), (0.1, 0.8, 0.2), (0.2, 0.3, 0.9), (0.7, 0.7, 0.1))


@pytest.mark.parametrize("data_type", DATA_TYPES)
@pytest.mark.parametrize("granularity", ALLOWED)
@pytest.mark.parametrize("color_mode", ['RGB', 'HSV', 'GRAYSCALE', 'DISTINCT', 'PALETTE'])
def test_each_vertex_gets_the_color_its_corners_get_on_corner(
    empty_scene, data_type, granularity, color_mode
):
    ob = suzanne(levels=1)
    me = ob.data
    palette = bpy.data.palettes.new("Brand")
    for color in PALETTE:
        palette.colors.new().color = color
    me.color_attributes.new("Corners", data_type, 'CORNER')
    me.color_attributes.new("Points", data_type, 'POINT')
    common = {"seed": 12, "granularity": granularity, "color_mode": color_mode}
    if color_mode == 'HSV':
        common.update(hue_range=(0.9, 0.2), value_range=(0.5, 1.0))
    if color_mode == 'PALETTE':
        common["palette_name"] = "Brand"

    assert run(attribute_name="Corners", **common) == {'FINISHED'}
    assert run(attribute_name="Points", domain='POINT', **common) == {'FINISHED'}

    prop = prop_for(data_type)
    points, corners = read(me, "Points", prop), read(me, "Corners", prop)
    assert me.attributes["Points"].domain == 'POINT' and me.attributes["Points"].data_type == data_type
    assert len(points) == len(me.vertices)
    assert np.array_equal(points[corner_verts(me)], corners)
    assert me.color_attributes.active_color.name == "Points"
    n_colors = len(np.unique(points, axis=0))
    if granularity == 'OBJECT':
        assert n_colors == 1
    elif granularity == 'ISLAND':
        assert n_colors == int(blender_islands(ob).max()) + 1
    elif color_mode in ('RGB', 'HSV'):
        assert n_colors > 0.99 * len(me.vertices)  # bytes may coincide by chance, rarely


@pytest.mark.parametrize("data_type", DATA_TYPES)
def test_vertices_of_one_island_share_a_color_and_islands_differ(empty_scene, data_type):
    ob = suzanne(levels=1)
    me = ob.data
    add_points(me, data_type)
    islands = blender_islands(ob)
    assert islands.max() >= 2 and (islands >= 0).all()  # Suzanne: head and two eyes, no loose vertex

    assert run(seed=3, granularity='ISLAND', color_mode='DISTINCT', domain='POINT') == {'FINISHED'}

    points = read(me, "Points", prop_for(data_type))
    per_island = []
    for island in range(int(islands.max()) + 1):  # test-only loop over three islands
        colors = np.unique(points[islands == island], axis=0)
        assert len(colors) == 1, island
        per_island.append(colors[0])
    assert len(np.unique(per_island, axis=0)) == len(per_island)


@pytest.mark.parametrize("data_type", DATA_TYPES)
def test_loose_vertices_keep_their_color_per_island_and_are_colored_per_vertex_and_object(
    empty_scene, data_type
):
    """Islands are faces joined through vertices: a vertex in no face belongs to none and is left alone."""
    ob = ngon_and_loose_edges()
    me = ob.data
    before = add_points(me, data_type)
    prop = prop_for(data_type)
    ngon, triangle, loose = np.arange(12), np.arange(12, 15), np.arange(15, 18)
    assert (blender_islands(ob)[loose] == -1).all()

    assert run(seed=4, granularity='ISLAND', domain='POINT') == {'FINISHED'}
    points = read(me, "Points", prop)
    assert np.array_equal(points[loose], before[loose])
    assert len(np.unique(points[ngon], axis=0)) == 1 and len(np.unique(points[triangle], axis=0)) == 1
    assert not np.array_equal(points[0], points[12])
    assert not np.any(np.all(points[:15] == before[:15], axis=1))

    assert run(seed=4, granularity='VERTEX', domain='POINT') == {'FINISHED'}
    points = read(me, "Points", prop)
    assert len(np.unique(points, axis=0)) == len(me.vertices)

    assert run(seed=4, granularity='OBJECT', domain='POINT') == {'FINISHED'}
    assert len(np.unique(read(me, "Points", prop), axis=0)) == 1


def test_the_active_point_attribute_is_written_else_a_new_one_is_made(empty_scene):
    me = grid(3, 3).data
    me.color_attributes.new("Corners", 'FLOAT_COLOR', 'CORNER')
    me.color_attributes.active_color = me.color_attributes["Corners"]
    corners = read(me, "Corners").copy()

    assert run(granularity='VERTEX', domain='POINT') == {'FINISHED'}  # the active one is on corners
    assert {(a.name, a.domain) for a in me.color_attributes} == {("Corners", 'CORNER'), ("Color", 'POINT')}
    assert np.array_equal(read(me, "Corners"), corners)

    me.color_attributes.new("Bytes", 'BYTE_COLOR', 'POINT')
    me.color_attributes.active_color = me.color_attributes["Bytes"]
    assert run(seed=8, granularity='VERTEX', domain='POINT') == {'FINISHED'}
    assert len(me.color_attributes) == 3
    assert me.color_attributes.active_color.name == "Bytes"
    assert len(np.unique(read(me, "Bytes", "color_srgb"), axis=0)) == len(me.vertices)


@pytest.mark.parametrize("granularity", ['FACE', 'UV_ISLAND', 'FACE_SET', 'MATERIAL'])
def test_granularities_that_split_vertices_are_refused_changing_nothing(empty_scene, granularity):
    me = grid(3, 3).data
    before = add_points(me, 'FLOAT_COLOR')
    with pytest.raises(RuntimeError, match=r"cannot be stored on points: .*Choose Domain Corner"):
        run(granularity=granularity, domain='POINT')
    assert [a.name for a in me.color_attributes] == ["Points"]
    assert np.array_equal(read(me, "Points"), before)


@pytest.mark.parametrize("data_type", DATA_TYPES)
def test_only_selected_changes_the_selected_vertices_only(empty_scene, data_type):
    ob = grid(4, 4)
    me = ob.data
    before = add_points(me, data_type)
    me.color_attributes.new("Whole", data_type, 'POINT')
    chosen = np.zeros(len(me.vertices), dtype=bool)
    chosen[[0, 6, 12, 24]] = True  # no face has all its vertices chosen
    me.vertices.foreach_set("select", chosen)
    me.edges.foreach_set("select", np.zeros(len(me.edges), dtype=bool))
    me.polygons.foreach_set("select", np.zeros(len(me.polygons), dtype=bool))
    select_only(ob)
    bpy.ops.object.mode_set(mode='EDIT')  # the operator goes back to Object Mode to write

    assert run(seed=5, granularity='VERTEX', domain='POINT', attribute_name="Points",
               only_selected=True) == {'FINISHED'}
    bpy.ops.object.mode_set(mode='OBJECT')
    assert run(seed=5, granularity='VERTEX', domain='POINT', attribute_name="Whole") == {'FINISHED'}

    prop = prop_for(data_type)
    after, whole = read(me, "Points", prop), read(me, "Whole", prop)
    assert np.array_equal(after[~chosen], before[~chosen])
    assert np.array_equal(after[chosen], whole[chosen])
    assert not np.any(np.all(after[chosen] == before[chosen], axis=1))


@pytest.mark.parametrize("data_type", DATA_TYPES)
def test_vertex_paint_masks_on_points(empty_scene, data_type):
    """The face mask lets through the vertices of selected faces, the vertex mask the selected vertices."""
    ob = grid(6, 6)
    me = ob.data
    before = add_points(me, data_type)
    prop = prop_for(data_type)
    faces = np.zeros(len(me.polygons), dtype=bool)
    faces[[2, 30]] = True
    me.polygons.foreach_set("select", faces)
    of_faces = np.zeros(len(me.vertices), dtype=bool)
    for face in np.flatnonzero(faces):
        of_faces[list(me.polygons[int(face)].vertices)] = True  # from Blender's own face vertices
    chosen = np.zeros(len(me.vertices), dtype=bool)
    chosen[[0, 8, 24, 48]] = True
    me.vertices.foreach_set("select", chosen)
    select_only(ob)
    bpy.ops.object.mode_set(mode='VERTEX_PAINT')
    for masks, expected in (({"use_paint_mask": True}, of_faces), ({"use_paint_mask_vertex": True}, chosen)):
        me.attributes["Points"].data.foreach_set(prop, np.ascontiguousarray(before.ravel()))
        me.use_paint_mask, me.use_paint_mask_vertex = False, False
        for name, value in masks.items():
            setattr(me, name, value)
        assert run(seed=6, granularity='VERTEX', domain='POINT') == {'FINISHED'}
        after = read(me, "Points", prop)
        assert 0 < expected.sum() < len(expected)
        assert np.array_equal(after[~expected], before[~expected]), masks
        assert not np.any(np.all(after[expected] == before[expected], axis=1)), masks
    bpy.ops.object.mode_set(mode='OBJECT')


@pytest.mark.parametrize("data_type", DATA_TYPES)
def test_mix_and_channels_on_points(empty_scene, data_type):
    me = grid(4, 4).data
    before = add_points(me, data_type)
    me.color_attributes.new("Whole", data_type, 'POINT')
    prop = prop_for(data_type)
    assert run(seed=7, granularity='VERTEX', domain='POINT', attribute_name="Whole") == {'FINISHED'}
    whole = read(me, "Whole", prop)

    assert run(seed=7, granularity='VERTEX', domain='POINT', attribute_name="Points", mix=0.5) == {'FINISHED'}
    linear = data_type == 'FLOAT_COLOR'
    expected = core.blend_colors(before, whole, 0.5, (True,) * 4, linear)
    assert np.allclose(read(me, "Points", prop), expected, atol=1e-6 if linear else 1 / 255)

    me.attributes["Points"].data.foreach_set(prop, np.ascontiguousarray(before.ravel()))
    assert run(seed=7, granularity='VERTEX', domain='POINT', attribute_name="Points",
               channels={'G'}) == {'FINISHED'}
    after = read(me, "Points", prop)
    assert np.array_equal(after[:, [0, 2, 3]], before[:, [0, 2, 3]])
    assert np.array_equal(after[:, 1], whole[:, 1])


@pytest.mark.parametrize("data_type", DATA_TYPES)
def test_jitter_shifts_each_island_from_the_mean_of_its_vertices(empty_scene, data_type):
    ob = cubes(3)
    me = ob.data
    before = add_points(me, data_type)
    islands = np.arange(len(me.vertices)) // 8  # cube i holds vertices 8i .. 8i + 7
    assert np.array_equal(blender_islands(ob), islands)
    srgb = before[:, :3] if data_type == 'BYTE_COLOR' else core.linear_to_srgb(before[:, :3])

    assert run(color_mode='JITTER', granularity='ISLAND', domain='POINT',
               jitter_hue=0.0, jitter_saturation=0.0, jitter_value=0.0) == {'FINISHED'}

    after = read(me, "Points", "color_srgb")
    means = np.stack([srgb[islands == island].mean(axis=0) for island in range(3)])
    assert np.allclose(after[:, :3], means[islands], atol=1e-4 if data_type == 'FLOAT_COLOR' else 1 / 255)
    assert np.array_equal(read(me, "Points", prop_for(data_type))[:, 3], before[:, 3])  # alpha kept


def test_the_command_line_writes_points(empty_scene, tmp_path):
    cubes(3, name="Cubes")
    source, out = tmp_path / "in.blend", tmp_path / "out.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)
    done = run_command(source, "-o", out, "--domain", "POINT", "--granularity", "ISLAND", "--seed", "5",
                       home=tmp_path / "home")
    assert done.code == 0, done
    assert "colored 'Cubes': 18 faces, attribute 'Color'" in done.stdout
    bpy.ops.wm.open_mainfile(filepath=str(out), load_ui=False, use_scripts=False)
    me = bpy.data.meshes["Cubes"]
    assert me.color_attributes.active_color.domain == 'POINT'
    points = read(me, "Color")
    assert len(np.unique(points, axis=0)) == 3
    assert all(len(np.unique(points[8 * i:8 * i + 8], axis=0)) == 1 for i in range(3))


def test_batch_workers_write_points_too(empty_scene, tmp_path):
    cubes(2, name="Cubes")
    inputs = [tmp_path / "a.blend", tmp_path / "b.blend"]
    for path in inputs:
        bpy.ops.wm.save_as_mainfile(filepath=str(path), copy=True)
    done = run_command(*inputs, "--output-dir", tmp_path / "out", "--jobs", "1", "--domain", "POINT",
                       "--granularity", "VERTEX", home=tmp_path / "home")
    assert done.code == 0, done
    for path in inputs:
        bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "out" / path.name), load_ui=False, use_scripts=False)
        attribute = bpy.data.meshes["Cubes"].color_attributes.active_color
        assert attribute.domain == 'POINT'
        assert len(np.unique(read(bpy.data.meshes["Cubes"], attribute.name), axis=0)) == 16


@pytest.mark.parametrize("ext", [".ply", ".glb"])
@pytest.mark.parametrize("domain", ['POINT', 'CORNER'])
def test_the_colored_attribute_round_trips_through_per_vertex_formats(empty_scene, tmp_path, ext, domain):
    """PLY and glTF (3.4's) hold one color per vertex: per vertex colors survive, on either domain.

    Beside another color attribute, on the other domain, that was the active and render color:
    the new attribute is the one exported.
    """
    if not (formats.can_write(bpy, ext) and formats.can_read(bpy, ext)):
        pytest.skip(f"Blender {bpy.app.version_string} cannot both write and read {ext}")
    me = grid(4, 4, name="Grid").data
    me.color_attributes.new("Other", 'BYTE_COLOR', 'CORNER' if domain == 'POINT' else 'POINT')
    me.color_attributes.active_color = me.color_attributes["Other"]
    me.color_attributes.render_color_index = me.color_attributes.active_color_index
    source = tmp_path / "in.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)
    options = ("--domain", domain, "--granularity", "VERTEX", "--seed", "9")
    home = tmp_path / "home"
    for out in (tmp_path / "out.blend", tmp_path / f"out{ext}"):
        done = run_command(source, "-o", out, *options, home=home)
        assert done.code == 0, done
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "out.blend"), load_ui=False, use_scripts=False)
    me = bpy.data.meshes["Grid"]
    expected = read(me, "Color", "color_srgb")
    if domain == 'CORNER':
        per_vertex = np.zeros((len(me.vertices), 4), dtype=np.float32)
        per_vertex[corner_verts(me)] = expected
        expected = per_vertex
    positions = np.array([vertex.co[:] for vertex in me.vertices])

    formats.import_file(bpy, str(tmp_path / f"out{ext}"), f"out{ext}")
    ob = next(ob for ob in bpy.data.objects if ob.type == 'MESH')
    attribute = ob.data.color_attributes.active_color
    values = read(ob.data, attribute.name, "color_srgb")
    if attribute.domain == 'CORNER':  # the glTF importer, and 3.4's PLY importer: corners
        per_vertex = np.zeros((len(ob.data.vertices), 4), dtype=np.float32)
        per_vertex[corner_verts(ob.data)] = values
        values = per_vertex
    read_positions = np.array([(ob.matrix_world @ vertex.co)[:] for vertex in ob.data.vertices])
    assert len(read_positions) == len(positions)  # no vertex split: neighbors agree at each vertex
    for position, color in zip(read_positions, values, strict=True):
        nearest = int(np.argmin(((positions - position) ** 2).sum(axis=1)))
        assert np.abs(color[:3] - expected[nearest, :3]).max() <= TOLERANCE
    assert len(np.unique(np.round(values[:, :3], 2), axis=0)) > 0.9 * len(values)

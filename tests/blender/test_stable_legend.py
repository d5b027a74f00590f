# SPDX-License-Identifier: GPL-3.0-or-later
"""Stable colors and the legend, on meshes built and edited in Blender.

Stable: groups are deleted, added and reordered with bmesh and Blender's own
sort, the object is moved, and the groups that are left must keep their
written colors bit for bit. Groups are told apart by what they are (their
vertices' positions, face set id, material or object name), read from
Blender, never by our own keys. Legend: every group's colors in the JSON are
checked against the colors written to the mesh, for the operator's text and
the command line's file.
"""

import json

import bpy
import numpy as np
import pytest
from meshes import CUBE_FACES, CUBE_VERTS, from_faces, read_loop_colors, select_only

from random_vertex_colors import cli

FACE_SET_NAME = ".sculpt_face_set" if bpy.app.version >= (4, 0) else "sculpt_face_set"
PER_MESH = ("FACE", "ISLAND", "UV_ISLAND", "FACE_SET", "VERTEX")
ALL = (*PER_MESH, "OBJECT", "MATERIAL")
MODES = ("RGB", "HSV", "GRAYSCALE", "PALETTE")


def cube_mesh(n, name="Ids", offset=0):
    """``n`` cubes in one mesh, cube ``i`` at x = 2 (i + offset): islands, UV islands and face sets by cube.

    UVs follow the vertex positions, so each cube is one UV island; cube ``i``
    is face set 10 + i + offset and takes material slot (i + offset) % 3.
    """
    verts = np.concatenate([CUBE_VERTS + np.array([2.0 * (i + offset), 0, 0]) for i in range(n)])
    faces = np.concatenate([CUBE_FACES + 8 * i for i in range(n)])
    ob = from_faces(verts, faces, name=name)
    me = ob.data
    corner_positions = verts[[v for face in faces for v in face]]
    uvs = (corner_positions[:, :2] + corner_positions[:, 2:] * 0.5).astype(np.float32)
    me.uv_layers.new(name="UVMap").data.foreach_set("uv", uvs.ravel())
    cube_of_face = np.repeat(np.arange(n) + offset, 6).astype(np.int32)
    me.attributes.new(FACE_SET_NAME, 'INT', 'FACE').data.foreach_set("value", 10 + cube_of_face)
    for slot in range(3):
        me.materials.append(bpy.data.materials.get(f"M{slot}") or bpy.data.materials.new(f"M{slot}"))
    me.polygons.foreach_set("material_index", cube_of_face % 3)
    return ob


def delete_add_reorder_move(ob):
    """Delete cube 1, add a cube elsewhere, shuffle vertices and faces, move and turn the object."""
    import bmesh  # after bpy: the bpy module needs that order

    bm = bmesh.new()
    bm.from_mesh(ob.data)
    doomed = [face for face in bm.faces if 2.0 <= face.calc_center_median().x <= 3.0]
    bmesh.ops.delete(bm, geom=doomed, context='FACES')
    bmesh.ops.create_cube(bm, size=1.0, matrix=_translation((20.0, 1.0, 0.5)))
    bm.to_mesh(ob.data)
    bm.free()
    select_only(ob)
    bpy.ops.object.mode_set(mode='EDIT')
    bpy.ops.mesh.select_all(action='SELECT')
    bpy.ops.mesh.sort_elements(type='RANDOMIZE', elements={'VERT', 'FACE'}, seed=7)
    bpy.ops.object.mode_set(mode='OBJECT')
    ob.location = (3.0, -4.0, 5.0)
    ob.rotation_euler = (0.3, 0.2, 1.0)


def _translation(offset):
    from mathutils import Matrix

    return Matrix.Translation(offset)


def face_keys(me):
    """What each face is: its vertices' positions, in an order-free form."""
    positions = np.empty(len(me.vertices) * 3, np.float32)
    me.vertices.foreach_get("co", positions)
    positions = positions.reshape(-1, 3)
    return [tuple(sorted(map(tuple, positions[list(face.vertices)].tolist()))) for face in me.polygons]


def first_corners(me):
    return np.array([face.loop_start for face in me.polygons], dtype=np.int64)


def colors_by_key(objects, granularity, attribute="Color"):
    """{what a group is: its written color bytes}, read from Blender; every member of a group must agree."""
    found = {}

    def put(key, color):
        found.setdefault(key, set()).add(np.asarray(color, np.float32).tobytes())

    for ob in objects:
        me = ob.data
        colors = read_loop_colors(me, attribute)
        per_face = colors[first_corners(me)]
        if granularity == "OBJECT":
            for color in per_face:
                put(ob.name, color)
        elif granularity == "MATERIAL":
            slots = np.empty(len(me.polygons), np.int32)
            me.polygons.foreach_get("material_index", slots)
            for slot, color in zip(slots, per_face, strict=True):
                put(me.materials[int(slot)].name, color)
        elif granularity == "FACE_SET":
            sets = np.empty(len(me.polygons), np.int32)
            me.attributes[FACE_SET_NAME].data.foreach_get("value", sets)
            for face_set, color in zip(sets, per_face, strict=True):
                put(int(face_set), color)
        elif granularity == "VERTEX":
            for loop in me.loops:  # test-only loop: each corner's vertex position from Blender
                put(tuple(me.vertices[loop.vertex_index].co), colors[loop.index])
        else:  # FACE, ISLAND, UV_ISLAND: each face by its vertices
            for key, color in zip(face_keys(me), per_face, strict=True):
                put(key, color)
    assert all(len(colors) == 1 for colors in found.values()), "a group's members differ"
    return {key: colors.pop() for key, colors in found.items()}


def brand_palette():
    palette = bpy.data.palettes.get("Brand") or bpy.data.palettes.new("Brand")
    for rgb in ((1, 0, 0), (0, 0.5, 1), (0.2, 0.8, 0.1), (1, 1, 0), (0.5, 0, 0.5)):
        palette.colors.new().color = rgb
    return palette


def color(granularity, mode, stable=True, **extra):
    options = {"granularity": granularity, "color_mode": mode, "stable": stable, "seed": 11, **extra}
    if mode == "PALETTE":
        options["palette_name"] = "Brand"
    bpy.ops.mesh.random_vertex_colors(**options)


def scene_for(granularity):
    """The objects colored together: three for OBJECT, one mesh of five cubes otherwise."""
    if granularity == "OBJECT":
        objects = [cube_mesh(1, name=name, offset=i) for i, name in enumerate("ABC")]
        select_only(*objects)
        return objects
    return [cube_mesh(5)]


def edit(objects, granularity):
    """Delete, add and reorder groups and move objects; returns the objects to color again."""
    if granularity == "OBJECT":
        a, b, c = objects
        bpy.data.objects.remove(b)
        bpy.context.view_layer.update()
        d = cube_mesh(1, name="D", offset=7)
        a.location = (0.0, 9.0, 0.0)
        select_only(d, c, a)  # another order
        return [a, c, d]
    (ob,) = objects
    if granularity == "MATERIAL":  # delete slot M1, add a new material
        ob.active_material_index = 1
        select_only(ob)
        bpy.ops.object.material_slot_remove()
        ob.data.materials.append(bpy.data.materials.new("M3"))
    delete_add_reorder_move(ob)
    if granularity == "MATERIAL":  # the new cube takes the new material
        slots = np.array([len(ob.data.materials) - 1 if face.center.x > 15 else face.material_index
                          for face in ob.data.polygons], dtype=np.int32)
        ob.data.polygons.foreach_set("material_index", slots)
    select_only(ob)
    return [ob]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("granularity", ALL)
def test_the_groups_left_keep_their_colors_bit_for_bit(empty_scene, granularity, mode):
    brand_palette()
    objects = scene_for(granularity)
    color(granularity, mode)
    before = colors_by_key(objects, granularity)
    objects = edit(objects, granularity)
    color(granularity, mode)
    after = colors_by_key(objects, granularity)
    kept = set(before) & set(after)
    assert len(kept) >= 2 and set(after) - set(before) and set(before) - set(after)  # some gone, some new
    assert {key: after[key] for key in kept} == {key: before[key] for key in kept}


@pytest.mark.parametrize("granularity", ["FACE", "ISLAND", "VERTEX"])
def test_jitter_shifts_each_group_by_its_key(empty_scene, granularity):
    """Stable RGB, then Stable Jitter over it: the groups left get the same shifted colors."""

    def jittered(objects):
        color(granularity, "RGB")
        color(granularity, "JITTER", jitter_hue=0.3, jitter_saturation=0.3, jitter_value=0.3)
        return colors_by_key(objects, granularity)

    objects = scene_for(granularity)
    before = jittered(objects)
    objects = edit(objects, granularity)
    after = jittered(objects)
    kept = set(before) & set(after)
    assert len(kept) >= 2 and {key: after[key] for key in kept} == {key: before[key] for key in kept}


@pytest.mark.parametrize("granularity", PER_MESH)
def test_without_stable_the_same_edit_moves_colors(empty_scene, granularity):
    """The test above can fail: by index, the groups left change color."""
    objects = scene_for(granularity)
    color(granularity, "RGB", stable=False)
    before = colors_by_key(objects, granularity)
    color(granularity, "RGB", stable=False)
    assert colors_by_key(objects, granularity) == before  # same mesh, same colors
    objects = edit(objects, granularity)
    color(granularity, "RGB", stable=False)
    after = colors_by_key(objects, granularity)
    assert any(after[key] != before[key] for key in set(before) & set(after))


@pytest.mark.parametrize("granularity", PER_MESH)
def test_distinct_keeps_colors_through_reorder_and_move_and_stays_distinct(empty_scene, granularity):
    (ob,) = scene_for(granularity)
    color(granularity, "DISTINCT")
    before = colors_by_key([ob], granularity)
    n_groups = {"FACE": 30, "VERTEX": 40}.get(granularity, 5)
    assert len(set(before.values())) == n_groups  # every group its own color
    select_only(ob)
    bpy.ops.object.mode_set(mode='EDIT')
    bpy.ops.mesh.select_all(action='SELECT')
    bpy.ops.mesh.sort_elements(type='RANDOMIZE', elements={'VERT', 'FACE'}, seed=3)
    bpy.ops.object.mode_set(mode='OBJECT')
    ob.location = (1.0, 2.0, 3.0)
    color(granularity, "DISTINCT")
    assert colors_by_key([ob], granularity) == before


def test_stable_colors_do_not_depend_on_the_mesh_name_so_a_joined_mesh_keeps_them(empty_scene):
    a, b = cube_mesh(2, name="A"), cube_mesh(2, name="B", offset=3)
    select_only(a, b)
    color("ISLAND", "RGB")
    before = {**colors_by_key([a], "ISLAND"), **colors_by_key([b], "ISLAND")}
    select_only(a, b)
    bpy.ops.object.join()
    color("ISLAND", "RGB")
    assert colors_by_key([bpy.context.object], "ISLAND") == before


def test_non_finite_coordinates_are_refused_with_stable_and_nothing_changes(empty_scene):
    ob = cube_mesh(2)
    positions = np.empty(len(ob.data.vertices) * 3, np.float32)
    ob.data.vertices.foreach_get("co", positions)
    positions[5 * 3 + 1] = np.inf  # foreach_set: setting co.y would clamp it to the largest float
    ob.data.vertices.foreach_set("co", positions)
    with pytest.raises(RuntimeError, match=r"Mesh 'Ids' has a NaN or infinite coordinate \(vertex 5\)"):
        color("FACE", "RGB")
    assert len(ob.data.color_attributes) == 0
    color("FACE_SET", "RGB")  # face sets do not need positions
    color("FACE", "RGB", stable=False)


# -- the legend ---------------------------------------------------------------------------------


def expected_groups(objects, granularity):
    """{(object, key): faces of that group} from Blender's data, by the legend's rules."""
    groups = {}
    for ob in objects:
        me = ob.data
        if granularity == "OBJECT":
            groups[(ob.name, ob.name)] = list(range(len(me.polygons)))
            continue
        for face in me.polygons:
            if granularity == "FACE":
                key = face.index
            elif granularity in ("ISLAND", "UV_ISLAND"):
                key = face.index // 6  # cube i: faces 6i..6i+5, numbered by their lowest face
            elif granularity == "FACE_SET":
                key = me.attributes[FACE_SET_NAME].data[face.index].value
            elif granularity == "MATERIAL":
                key = me.materials[face.material_index].name
            else:
                continue
            groups.setdefault((ob.name, key), []).append(face.index)
        if granularity == "VERTEX":
            for loop in me.loops:
                groups.setdefault((ob.name, loop.vertex_index), []).append(loop.index)
    return groups


def srgb_curve(srgb):
    """Scene linear from sRGB, by IEC 61966-2-1."""
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def check_legend(document, objects, granularity, attribute):
    """Every group of the legend: the right key, faces and colors, against what the mesh holds."""
    assert document["granularity"] == granularity and document["attribute"] == attribute
    expected = expected_groups(objects, granularity)
    groups = {(group["object"], group["key"]): group for group in document["groups"]}
    assert len(groups) == len(document["groups"]) == len(expected)
    assert set(groups) == set(expected)
    for ob in objects:
        me = ob.data
        srgb = read_loop_colors(me, attribute, prop="color_srgb")
        linear = read_loop_colors(me, attribute)
        byte = me.attributes[attribute].data_type == 'BYTE_COLOR'
        first = first_corners(me)
        for (object_name, key), members in expected.items():
            if object_name != ob.name:
                continue
            group = groups[(object_name, key)]
            assert group["mesh"] == me.name
            corners = members if granularity == "VERTEX" else first[members]
            written = srgb[corners]
            assert group["faces"] == len(members)
            # Blender reads a float attribute's scene linear back as sRGB only to about 1e-4.
            tolerance = 0.5 / 255 if byte else 3e-4
            assert np.allclose(written, group["srgb"], atol=tolerance, rtol=0), (key, written[0], group)
            if not byte:  # the stored linear values: the legend's sRGB through the standard sRGB curve
                assert np.allclose(linear[corners, :3], srgb_curve(np.array(group["srgb"][:3])), atol=1e-6)
            if byte:  # 8-bit sRGB: exactly what the attribute holds
                codes = {"#" + "".join(f"{round(float(v) * 255):02x}" for v in row[:3]) for row in written}
                assert codes == {group["hex"]}


@pytest.mark.parametrize("data_type", ['FLOAT_COLOR', 'BYTE_COLOR'])
@pytest.mark.parametrize("granularity", ALL)
def test_the_operator_legend_matches_the_colors_written(empty_scene, granularity, data_type):
    objects = scene_for(granularity)
    for ob in objects:
        ob.data.color_attributes.new("ID", data_type, 'CORNER')
    select_only(*objects)
    color(granularity, "DISTINCT", stable=granularity != "FACE", attribute_name="ID", legend=True)
    text = bpy.data.texts["ID legend"]
    check_legend(json.loads(text.as_string()), objects, granularity, "ID")
    # A second run replaces the text.
    color(granularity, "RGB", attribute_name="ID", legend=True, seed=5)
    assert "ID legend.001" not in bpy.data.texts
    check_legend(json.loads(bpy.data.texts["ID legend"].as_string()), objects, granularity, "ID")


@pytest.mark.parametrize("granularity", ALL)
def test_the_command_line_legend_matches_the_colors_written(empty_scene, tmp_path, capsys, granularity):
    scene_for(granularity)
    source, output, legend = tmp_path / "in.blend", tmp_path / "out.blend", tmp_path / "legend.json"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)
    status = cli.main([str(source), "--output", str(output), "--granularity", granularity, "--stable",
                       "--legend", str(legend)])
    assert status == 0, capsys.readouterr().err
    bpy.ops.wm.open_mainfile(filepath=str(output))
    objects = sorted((ob for ob in bpy.data.objects if ob.type == 'MESH'), key=lambda ob: ob.name)
    document = json.loads(legend.read_text())
    assert document["stable"] is True
    check_legend(document, objects, granularity, "Color")


def test_a_legend_path_that_cannot_be_written_is_refused_before_anything(empty_scene, tmp_path, capsys):
    cube_mesh(1)
    source, output = tmp_path / "in.blend", tmp_path / "out.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)
    cases = {
        str(tmp_path / "missing" / "legend.json"): f"Legend folder '{tmp_path / 'missing'}' does not exist",
        str(tmp_path): f"Legend '{tmp_path}' is a folder, not a file name",
    }
    for path, message in cases.items():
        capsys.readouterr()
        assert cli.main([str(source), "--output", str(output), "--legend", path]) == cli.EXIT_BAD_INPUT
        stderr = capsys.readouterr().err
        assert stderr.strip() == f"random_vertex_colors: error: {message}"
        assert not output.exists()


# -- the POINT domain ---------------------------------------------------------------------------


def point_colors_by_position(ob, name):
    """{vertex position: its color bytes} of a point attribute."""
    values = read_loop_colors(ob.data, name)
    return {tuple(vertex.co): values[vertex.index].tobytes() for vertex in ob.data.vertices}


@pytest.mark.parametrize("granularity", ["VERTEX", "ISLAND"])
def test_on_points_a_vertex_gets_its_corners_stable_color_and_keeps_it_through_edits(
    empty_scene, granularity
):
    ob = cube_mesh(5)
    for mode in ("RGB", "JITTER"):
        color(granularity, mode, attribute_name="Corners")
        color(granularity, mode, attribute_name="Points", domain='POINT')
    corners = read_loop_colors(ob.data, "Corners")
    points = read_loop_colors(ob.data, "Points")
    vertex_of_corner = np.array([loop.vertex_index for loop in ob.data.loops])
    assert np.array_equal(points[vertex_of_corner, :3], corners[:, :3])
    before = point_colors_by_position(ob, "Points")
    ob = edit([ob], granularity)[0]
    for mode in ("RGB", "JITTER"):
        color(granularity, mode, attribute_name="Points", domain='POINT')
    after = point_colors_by_position(ob, "Points")
    kept = set(before) & set(after)
    assert len(kept) >= 8 and {key: after[key] for key in kept} == {key: before[key] for key in kept}


@pytest.mark.parametrize("granularity", ["VERTEX", "ISLAND", "OBJECT"])
def test_the_legend_on_points_matches_the_colors_written(empty_scene, granularity):
    ob = cube_mesh(4)
    color(granularity, "DISTINCT", attribute_name="Points", domain='POINT', legend=True)
    document = json.loads(bpy.data.texts["Points legend"].as_string())
    points = read_loop_colors(ob.data, "Points", prop="color_srgb")
    vertex_groups = {  # each vertex's legend key, from Blender's data: cube i holds vertices 8i..8i+7
        "VERTEX": lambda v: v, "ISLAND": lambda v: v // 8, "OBJECT": lambda v: ob.name}[granularity]
    groups = {group["key"]: group for group in document["groups"]}
    assert len(groups) == {"VERTEX": 32, "ISLAND": 4, "OBJECT": 1}[granularity]
    for vertex in range(len(ob.data.vertices)):
        group = groups[vertex_groups(vertex)]
        assert np.allclose(points[vertex], group["srgb"], atol=3e-4, rtol=0)
    if granularity == "ISLAND":
        assert all(group["faces"] == 6 for group in groups.values())


@pytest.mark.parametrize("granularity", ["FACE", "ISLAND", "VERTEX", "MATERIAL"])
def test_stable_mixed_with_the_colors_there_goes_halfway_to_the_legend_color(empty_scene, granularity):
    """Mix blends the stable colors per face (or, VERTEX, per corner) into what is there, in sRGB."""
    ob = cube_mesh(3)
    me = ob.data
    base_srgb = np.array([0.2, 0.45, 0.7])
    there = np.tile(np.append(srgb_curve(base_srgb), 1.0), (len(me.loops), 1)).astype(np.float32)
    me.color_attributes.new("Mixed", 'FLOAT_COLOR', 'CORNER').data.foreach_set("color", there.ravel())
    select_only(ob)
    color(granularity, "RGB", attribute_name="Mixed", mix=0.5, legend=True)
    document = json.loads(bpy.data.texts["Mixed legend"].as_string())
    groups = {group["key"]: group for group in document["groups"]}
    written = read_loop_colors(me, "Mixed", prop="color_srgb")
    first = first_corners(me)
    expected = expected_groups([ob], granularity)
    assert set(groups) == {key for _object, key in expected}
    for (_object, key), members in expected.items():
        corners = members if granularity == "VERTEX" else first[members]
        halfway = 0.5 * base_srgb + 0.5 * np.array(groups[key]["srgb"][:3])
        assert np.allclose(written[corners, :3], halfway, atol=3e-4, rtol=0), (key, written[corners[0]])

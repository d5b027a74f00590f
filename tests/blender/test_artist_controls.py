# SPDX-License-Identifier: GPL-3.0-or-later
"""Channels, mix and JITTER (issue 14) in real Blender, asserting on the colors written.

Every test starts from colors painted into the attribute (different at every
corner, or the same over each face) and compares what the operator wrote
with them: bit for bit where nothing may change, in sRGB to byte precision
where a blend is measured. Each runs on FLOAT_COLOR and BYTE_COLOR, with and
without ``only_selected``.
"""

import bpy
import numpy as np
import pytest
from meshes import corner_faces, corner_verts, cubes, grid, read_loop_colors, select_only

from random_vertex_colors import cli, coloring, core, options

TYPES = ['FLOAT_COLOR', 'BYTE_COLOR']
NAME = "Painted"
SELECTED_FACES = [0, 3, 4, 8, 13, 17, 21, 22]  # of the 24 faces of cubes(4)


def run(**props):
    return bpy.ops.mesh.random_vertex_colors(attribute_name=NAME, **props)


def prop_for(data_type):
    """The property that holds an attribute's values exactly: bytes read as sRGB, floats as stored."""
    return "color_srgb" if data_type == 'BYTE_COLOR' else "color"


def read(me, data_type, prop=None):
    return read_loop_colors(me, NAME, prop or prop_for(data_type)).copy()


def write(me, data_type, values):
    flat = np.ascontiguousarray(values, np.float32).ravel()
    me.attributes[NAME].data.foreach_set(prop_for(data_type), flat)


def paint(me, data_type, per_face=False, seed=0, base=None, spread=1.0):
    """Fill the attribute with random colors (each corner its own, or one per face), alpha too.

    Byte values are multiples of 1/255, so they are stored exactly.
    Returns the values as stored.
    """
    if NAME not in me.attributes:
        me.color_attributes.new(NAME, data_type, 'CORNER')
    rng = np.random.default_rng(seed)
    n = len(me.polygons) if per_face else len(me.loops)
    values = rng.random((n, 4))
    if base is not None:
        values = np.clip(np.asarray(base) + (values - 0.5) * spread, 0, 1)
    if per_face:
        values = values[corner_faces(me)]
    if data_type == 'BYTE_COLOR':
        values = np.round(values * 255) / 255
    write(me, data_type, values)
    me.color_attributes.active_color = me.color_attributes[NAME]
    return read(me, data_type)


def scene(data_type, only_selected, per_face=False, seed=0):
    """Four cubes (four islands of six faces), painted; with only_selected, some faces selected."""
    ob = cubes(4)
    me = ob.data
    painted = paint(me, data_type, per_face=per_face, seed=seed)
    selected = np.ones(len(me.polygons), dtype=bool)
    if only_selected:
        selected[:] = False
        selected[SELECTED_FACES] = True
        me.polygons.foreach_set("select", selected)
    return me, painted, selected[corner_faces(me)]


def reference(me, data_type, painted, **props):
    """What a plain run (all channels, mix 1) writes from ``painted``; the attribute is put back after."""
    run(**props)
    full = read(me, data_type)
    write(me, data_type, painted)
    assert np.array_equal(read(me, data_type), painted)
    return full


only_selected_or_not = pytest.mark.parametrize("only_selected", [False, True], ids=["all", "only_selected"])
types = pytest.mark.parametrize("data_type", TYPES)


# -- channels ---------------------------------------------------------------


@types
@only_selected_or_not
@pytest.mark.parametrize("channels", ["R", "GB", "A", "RBA"])
def test_unchosen_channels_keep_their_values_bit_for_bit(empty_scene, data_type, only_selected, channels):
    me, painted, changing = scene(data_type, only_selected)
    chosen = np.array([letter in channels for letter in "RGBA"])
    full = reference(me, data_type, painted, seed=5, channels=set("RGBA"), only_selected=only_selected)
    assert run(seed=5, channels=set(channels), only_selected=only_selected) == {'FINISHED'}
    after = read(me, data_type)
    assert np.array_equal(after[:, ~chosen], painted[:, ~chosen])
    assert np.array_equal(after[~changing], painted[~changing])
    # The chosen channels get exactly the values a run of every channel gives: no shift.
    assert np.array_equal(after[changing][:, chosen], full[changing][:, chosen])
    assert np.mean(after[changing][:, chosen] != painted[changing][:, chosen]) > 0.9


@types
def test_a_new_attribute_has_zero_color_and_opaque_alpha_in_unchosen_channels(empty_scene, data_type):
    ob = cubes(2)
    me = ob.data
    if data_type == 'BYTE_COLOR':
        me.color_attributes.new("Other", 'FLOAT_COLOR', 'CORNER')  # not the target: it stays white
    assert run(seed=2, channels={'G'}) == {'FINISHED'}
    if data_type == 'BYTE_COLOR':
        assert np.all(read_loop_colors(me, "Other") == 1)
    written = read_loop_colors(me, NAME)
    assert np.all(written[:, [0, 2]] == 0) and np.all(written[:, 3] == 1)
    assert len(np.unique(written[:, 1])) == len(me.polygons)


@types
@only_selected_or_not
def test_grayscale_into_one_channel_packs_one_value_per_island(empty_scene, data_type, only_selected):
    me, painted, changing = scene(data_type, only_selected)
    assert run(seed=3, color_mode='GRAYSCALE', granularity='ISLAND', channels={'R'},
               only_selected=only_selected) == {'FINISHED'}
    after = read(me, data_type)
    assert np.array_equal(after[:, 1:], painted[:, 1:])
    assert np.array_equal(after[~changing], painted[~changing])
    island = corner_faces(me) // 6
    values = [np.unique(after[changing & (island == i), 0]) for i in range(4)]
    assert all(len(v) == 1 for v in values)  # one value per island
    # The island's gray, as the seed draws it (sRGB, to the precision the attribute stores).
    grays = core.random_srgb16(core.rng_for(3, me.name_full), 4)[:, 0] / 65535
    srgb = read(me, data_type, "color_srgb")[:, 0]
    tol = 0.5 / 255 + 1e-6 if data_type == 'BYTE_COLOR' else 2e-4
    assert np.abs(srgb[changing] - grays[island[changing]]).max() <= tol
    assert len(np.unique(grays)) == 4


# -- mix --------------------------------------------------------------------


@types
@only_selected_or_not
@pytest.mark.parametrize(("color_mode", "granularity"), [
    ('RGB', 'FACE'), ('HSV', 'ISLAND'), ('DISTINCT', 'VERTEX'), ('JITTER', 'ISLAND'), ('GRAYSCALE', 'OBJECT'),
])
def test_mix_0_changes_nothing_bit_for_bit(empty_scene, data_type, only_selected, color_mode, granularity):
    me, painted, _changing = scene(data_type, only_selected)
    assert run(seed=4, mix=0.0, color_mode=color_mode, granularity=granularity, channels={'R', 'G'},
               only_selected=only_selected) == {'FINISHED'}
    assert np.array_equal(read(me, data_type), painted)
    assert run(seed=4, mix=0.0, color_mode=color_mode, granularity=granularity,
               only_selected=only_selected) == {'FINISHED'}
    assert np.array_equal(read(me, data_type), painted)


@types
@only_selected_or_not
@pytest.mark.parametrize("granularity", ['FACE', 'ISLAND', 'VERTEX', 'MATERIAL'])
def test_mix_1_equals_no_mix(empty_scene, data_type, only_selected, granularity):
    me, painted, _changing = scene(data_type, only_selected)
    plain = reference(me, data_type, painted, seed=6, granularity=granularity, only_selected=only_selected)
    assert run(seed=6, mix=1.0, granularity=granularity, only_selected=only_selected) == {'FINISHED'}
    assert np.array_equal(read(me, data_type), plain)


@types
@only_selected_or_not
@pytest.mark.parametrize("per_face", [False, True], ids=["per_corner", "per_face"])
@pytest.mark.parametrize("granularity", ['FACE', 'VERTEX'])
def test_mix_half_is_the_srgb_midpoint(empty_scene, data_type, only_selected, per_face, granularity):
    me, painted, changing = scene(data_type, only_selected, per_face=per_face)
    full = reference(me, data_type, painted, seed=7, granularity=granularity, only_selected=only_selected)
    assert run(seed=7, mix=0.5, granularity=granularity, only_selected=only_selected) == {'FINISHED'}
    after = read(me, data_type)
    assert np.array_equal(after[~changing], painted[~changing])
    # Blender's own sRGB view of each: the values as stored for bytes, converted by Blender for floats.
    write(me, data_type, painted)
    start = read(me, data_type, "color_srgb")
    write(me, data_type, full)
    end = read(me, data_type, "color_srgb")
    write(me, data_type, after)
    middle = read(me, data_type, "color_srgb")
    expected = (start + end) / 2
    assert np.abs(middle[changing] - expected[changing]).max() <= 1 / 255 + 1e-6
    # Not the midpoint of the scene-linear values (they differ by far more than a byte here).
    if data_type == 'FLOAT_COLOR':
        linear_midpoint = (painted[:, :3] + full[:, :3]) / 2
        assert np.abs(after[changing][:, :3] - linear_midpoint[changing]).max() > 0.02


@types
def test_mix_with_channels_blends_only_the_chosen_ones(empty_scene, data_type):
    me, painted, _changing = scene(data_type, False)
    full = reference(me, data_type, painted, seed=8)
    assert run(seed=8, mix=0.5, channels={'B'}) == {'FINISHED'}
    after = read(me, data_type, "color_srgb")
    assert np.array_equal(read(me, data_type)[:, :2], painted[:, :2])
    assert np.array_equal(read(me, data_type)[:, 3], painted[:, 3])
    write(me, data_type, painted)
    start = read(me, data_type, "color_srgb")
    write(me, data_type, full)
    end = read(me, data_type, "color_srgb")
    assert np.abs(after[:, 2] - (start[:, 2] + end[:, 2]) / 2).max() <= 1 / 255 + 1e-6


# -- jitter -----------------------------------------------------------------

HALF = (0.08, 0.2, 0.15)
BASE = (0.8, 0.35, 0.2, 0.6)  # sRGB: saturated enough for hue to be well defined


def hue_distance(a, b):
    gap = np.abs(a - b) % 1.0
    return np.minimum(gap, 1.0 - gap)


def srgb_means(srgb, labels, n):
    return np.stack([srgb[labels == i, :3].mean(axis=0) for i in range(n)])


@types
@only_selected_or_not
@pytest.mark.parametrize("granularity", ['ISLAND', 'FACE', 'VERTEX'])
def test_jitter_stays_within_its_half_widths_of_the_group_mean(empty_scene, data_type, only_selected,
                                                                granularity):
    ob = cubes(4)
    me = ob.data
    # Every island painted alike: equal means, so different results come from different shifts.
    one_island = np.random.default_rng(1).random((24, 4))
    painted_values = np.clip(np.asarray(BASE) + (np.tile(one_island, (4, 1)) - 0.5) * 0.1, 0, 1)
    me.color_attributes.new(NAME, data_type, 'CORNER')
    if data_type == 'BYTE_COLOR':
        painted_values = np.round(painted_values * 255) / 255
    write(me, data_type, painted_values)
    painted = read(me, data_type)
    srgb = read(me, data_type, "color_srgb")
    changing = np.ones(len(me.loops), dtype=bool)
    if only_selected:
        selected = np.zeros(len(me.polygons), dtype=bool)
        selected[SELECTED_FACES] = True
        me.polygons.foreach_set("select", selected)
        changing = selected[corner_faces(me)]
    by = {'ISLAND': corner_faces(me) // 6, 'FACE': corner_faces(me), 'VERTEX': corner_verts(me)}
    labels = by[granularity]
    n_groups = int(labels.max()) + 1
    means = srgb_means(srgb, labels, n_groups)  # over the whole group, selected or not

    assert run(seed=9, color_mode='JITTER', granularity=granularity, only_selected=only_selected,
               jitter_hue=HALF[0], jitter_saturation=HALF[1], jitter_value=HALF[2]) == {'FINISHED'}
    after = read(me, data_type)
    assert np.array_equal(after[~changing], painted[~changing])
    assert np.array_equal(after[:, 3], painted[:, 3])  # alpha kept
    result = read(me, data_type, "color_srgb")[changing, :3]
    before_hsv = core.rgb_to_hsv(means[labels[changing]])
    after_hsv = core.rgb_to_hsv(result)
    tol = 0.012 if data_type == 'BYTE_COLOR' else 1e-3
    assert hue_distance(after_hsv[:, 0], before_hsv[:, 0]).max() <= HALF[0] + tol
    assert np.abs(after_hsv[:, 1] - before_hsv[:, 1]).max() <= HALF[1] + tol
    assert np.abs(after_hsv[:, 2] - before_hsv[:, 2]).max() <= HALF[2] + tol
    # One color per group, and groups with one mean get different colors.
    per_group = {}
    for label, row in zip(labels[changing], np.round(result, 4), strict=True):
        per_group.setdefault(int(label), set()).add(tuple(row))
    assert all(len(rows) == 1 for rows in per_group.values())
    if granularity == 'ISLAND':
        assert len({next(iter(rows)) for rows in per_group.values()}) == len(per_group)
    else:
        assert len({next(iter(rows)) for rows in per_group.values()}) > 0.9 * len(per_group)


def test_jitter_on_a_new_attribute_starts_from_black_and_says_so(empty_scene):
    ob = grid(4, 4)
    me = ob.data
    settings = options.ColorSettings(color_mode='JITTER', jitter_value=0.3, seed=1)
    result = coloring.color_mesh_alone(me, settings)
    assert result.notes == ("'Color' was new on mesh 'Grid': jittered from black",)
    srgb = read_loop_colors(me, "Color", "color_srgb")
    assert np.all(srgb[:, :3] <= 0.3 + 1e-3) and srgb[:, :3].max() > 0.05
    assert np.all(srgb[:, 3] == 1)
    assert coloring.color_mesh_alone(me, settings).notes == ()  # now it exists


def test_jitter_shifts_one_material_alike_on_every_mesh(empty_scene):
    material = bpy.data.materials.new("Shared")
    obs = [grid(2, 2, name="A"), cubes(1, name="B")]
    for ob in obs:
        ob.data.materials.append(material)
        paint(ob.data, 'FLOAT_COLOR', per_face=True, base=BASE, spread=0.0)
    select_only(*obs)
    assert run(seed=3, color_mode='JITTER', granularity='MATERIAL') == {'FINISHED'}
    a, b = (read(ob.data, 'FLOAT_COLOR') for ob in obs)
    assert len(np.unique(a, axis=0)) == 1 and np.array_equal(np.unique(a, axis=0), np.unique(b, axis=0))
    assert np.abs(core.linear_to_srgb(a[0, :3]) - np.asarray(BASE[:3])).max() > 1e-3  # it moved


# -- the command line --------------------------------------------------------


def test_the_command_line_takes_channels_mix_and_jitter(empty_scene, tmp_path, capsys):
    ob = cubes(2)
    painted = paint(ob.data, 'FLOAT_COLOR', base=BASE, spread=0.1)
    source = tmp_path / "in.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)

    def colors_after(*arguments):
        output = tmp_path / "out.blend"
        assert cli.main([str(source), "--output", str(output), "--seed", "2", *arguments]) == 0
        bpy.ops.wm.open_mainfile(filepath=str(output), load_ui=False)
        return read_loop_colors(bpy.data.meshes["Cubes"], NAME).copy()

    packed = colors_after("--channels", "g", "--attribute", NAME)
    assert np.array_equal(packed[:, [0, 2, 3]], painted[:, [0, 2, 3]])
    assert not np.array_equal(packed[:, 1], painted[:, 1])
    assert np.array_equal(colors_after("--mix", "0", "--attribute", NAME), painted)
    jittered = colors_after("--jitter", "0.1", "0", "0", "--granularity", "ISLAND", "--attribute", NAME)
    assert len(np.unique(jittered[:, :3], axis=0)) == 2 and np.array_equal(jittered[:, 3], painted[:, 3])
    capsys.readouterr()
    colors_after("--jitter", "0.1", "0.1", "0.1", "--attribute", "Fresh")
    assert "'Fresh' was new on mesh 'Cubes': jittered from black" in capsys.readouterr().out

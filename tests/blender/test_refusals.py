# SPDX-License-Identifier: GPL-3.0-or-later
"""One table of bad input, run through both front ends: the same refusal, the same message.

Each case runs the operator from a script (an ERROR report raises
RuntimeError) and the command line (in this Blender, on the same scene saved
to a file), and checks that both name what is wrong in the same words and
that nothing changed: no attribute added or altered, no file written.
"""

import dataclasses

import bpy
import numpy as np
import pytest
from meshes import cubes, grid, read_loop_colors

from random_vertex_colors import cli, options


@dataclasses.dataclass(frozen=True)
class Case:
    operator: dict  # keyword arguments of bpy.ops.mesh.random_vertex_colors
    arguments: list  # command line arguments after INPUT --output OUTPUT
    message: str  # in both refusals, word for word
    exit_status: int = cli.EXIT_BAD_INPUT
    setup: str = "grid"


def make_scene(setup):
    """The case's scene, in Object Mode with its mesh selected; returns the mesh."""
    if setup == "cubes":
        return cubes(2, name="Cubes").data
    me = grid(3, 3, name="Grid").data
    if setup == "attributes":
        me.color_attributes.new("Painted", 'FLOAT_COLOR', 'CORNER').data.foreach_set(
            "color", np.full(len(me.loops) * 4, 0.25, dtype=np.float32))
        me.color_attributes.new("OnPoints", 'FLOAT_COLOR', 'POINT')
        me.attributes.new("ids", 'INT', 'FACE')
        me.color_attributes.active_color = me.color_attributes["Painted"]
    if setup == "palette":
        bpy.data.palettes.new("Empty")
    return me


CASES = {
    "saturation Min above Max": Case(
        {"color_mode": 'HSV', "saturation_range": (0.8, 0.2)}, ["--saturation-range", "0.8", "0.2"],
        "Saturation range: Min 0.8 is above Max 0.2"),
    "value Min above Max": Case(
        {"color_mode": 'HSV', "value_range": (1.0, 0.5)}, ["--value-range", "1", "0.5"],
        "Value range: Min 1 is above Max 0.5"),
    "value above 1": Case(
        {"color_mode": 'HSV', "value_range": (0.0, 1.5)}, ["--value-range", "0", "1.5"],
        "Value range: Max 1.5 is outside 0 to 1"),
    "hue below 0": Case(
        {"color_mode": 'HSV', "hue_range": (-0.25, 1.0)}, ["--hue-range", "-0.25", "1"],
        "Hue range: Min -0.25 is outside 0 to 1"),
    "palette without colors": Case(
        {"color_mode": 'PALETTE', "palette_name": "Empty"}, ["--palette", "Empty"],
        "Palette 'Empty' has no colors: add some, or pick another palette", setup="palette"),
    "palette missing": Case(
        {"color_mode": 'PALETTE', "palette_name": "Nope"}, ["--palette", "Nope"],
        "No palette named 'Nope': check the Palette name"),
    "name too long": Case(
        {"attribute_name": "n" * 64}, ["--attribute", "n" * 64],
        "Attribute name 'nnnnnnnnnnnnnnnnnnnnnnnn...' is 64 bytes long; Blender keeps at most 63"),
    "point-domain target": Case(
        {"attribute_name": "OnPoints"}, ["--attribute", "OnPoints"],
        "Color attribute 'OnPoints' on mesh 'Grid' is on the POINT domain, not CORNER: choose Domain "
        "Point, name another one, or leave Attribute empty", setup="attributes"),
    "corner target with domain POINT": Case(
        {"attribute_name": "Painted", "domain": 'POINT', "granularity": 'VERTEX'},
        ["--attribute", "Painted", "--domain", "POINT", "--granularity", "VERTEX"],
        "Color attribute 'Painted' on mesh 'Grid' is on the CORNER domain, not POINT: choose Domain "
        "Corner, name another one, or leave Attribute empty", setup="attributes"),
    **{f"per {granularity.lower()} on points": Case(
        {"granularity": granularity, "domain": 'POINT'}, ["--granularity", granularity, "--domain", "POINT"],
        f"Per {label} cannot be stored on points: {why}. "
        "Choose Domain Corner, or Per Vertex, Island or Object", setup="attributes")
       for granularity, label, why in (
           ("FACE", "Face", "a vertex shared by several faces would need one color for each"),
           ("UV_ISLAND", "UV Island", "a vertex on a UV seam belongs to two UV islands"),
           ("FACE_SET", "Face Set", "a vertex on a face set border belongs to two face sets"),
           ("MATERIAL", "Material", "a vertex where two materials meet belongs to both"),
       )},
    "not a color attribute": Case(
        {"attribute_name": "ids"}, ["--attribute", "ids"],
        "Attribute 'ids' on mesh 'Grid' is a INT attribute, not a color attribute: name another one, "
        "or leave Attribute empty", setup="attributes"),
    "mix above 1": Case(
        {"mix": 1.5}, ["--mix", "1.5"], "Mix 1.5 is outside 0 to 1", setup="attributes"),
    "mix below 0": Case(
        {"mix": -0.25}, ["--mix", "-0.25"], "Mix -0.25 is outside 0 to 1", setup="attributes"),
    "hue jitter above 1": Case(
        {"color_mode": 'JITTER', "jitter_hue": 1.5}, ["--jitter", "1.5", "0.1", "0.1"],
        "Hue Jitter 1.5 is outside 0 to 1", setup="attributes"),
    "saturation jitter below 0": Case(
        {"color_mode": 'JITTER', "jitter_saturation": -0.1}, ["--jitter", "0.1", "-0.1", "0.1"],
        "Saturation Jitter -0.1 is outside 0 to 1", setup="attributes"),
    "value jitter above 1": Case(
        {"color_mode": 'JITTER', "jitter_value": 2.0}, ["--jitter", "0", "0", "2"],
        "Value Jitter 2 is outside 0 to 1", setup="attributes"),
    "no channels": Case(
        {"channels": set()}, ["--channels", ""], "Channels: choose at least one of R, G, B, A",
        setup="attributes"),
    "UV islands without a UV map": Case(
        {"granularity": 'UV_ISLAND'}, ["--granularity", "UV_ISLAND"],
        "Mesh 'Cubes' has no UV map, which UV islands need: add one in UV Maps",
        exit_status=cli.EXIT_FAILED, setup="cubes"),
}


def attribute_state(me):
    """Every attribute's name, domain and type, and the colors of the color attributes."""
    state = {}
    for attribute in me.attributes:
        if attribute.name.startswith("."):
            continue
        colors = None
        if attribute.data_type in ('FLOAT_COLOR', 'BYTE_COLOR'):
            colors = read_loop_colors(me, attribute.name).tobytes()
        state[attribute.name] = (attribute.domain, attribute.data_type, colors)
    return state


@pytest.mark.parametrize("case", list(CASES), ids=lambda case: case.replace(" ", "_"))
def test_both_front_ends_refuse_with_the_same_message(empty_scene, tmp_path, capsys, case):
    spec = CASES[case]
    me = make_scene(spec.setup)
    before, name = attribute_state(me), me.name
    with pytest.raises(RuntimeError) as refused:
        bpy.ops.mesh.random_vertex_colors(**spec.operator)
    assert spec.message in str(refused.value)
    assert attribute_state(me) == before

    source, output = tmp_path / "in.blend", tmp_path / "out.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)
    capsys.readouterr()
    status = cli.main([str(source), "--output", str(output), *spec.arguments])
    stderr = capsys.readouterr().err
    assert status == spec.exit_status, stderr
    assert spec.message in stderr
    assert stderr.strip().splitlines()[-1].startswith("random_vertex_colors: error: ")
    assert not output.exists()
    assert attribute_state(bpy.data.meshes[name]) == before  # the file the CLI opened


def test_an_unknown_channel_is_named_with_every_allowed_one(empty_scene, tmp_path, capsys):
    """Blender checks set members before the operator runs; the command line names the letter."""
    me = make_scene("attributes")
    before = attribute_state(me)
    with pytest.raises((TypeError, ValueError)) as refused:  # which one depends on the Blender
        bpy.ops.mesh.random_vertex_colors(channels={'R', 'X'})
    assert "X" in str(refused.value) and all(f"'{letter}'" in str(refused.value) for letter in "RGBA")
    source, output = tmp_path / "in.blend", tmp_path / "o.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)
    capsys.readouterr()
    assert cli.main([str(source), "--output", str(output), "--channels", "RX"]) == cli.EXIT_BAD_INPUT
    assert "Channels: 'X' is not one of R, G, B, A" in capsys.readouterr().err
    assert not output.exists()
    assert attribute_state(me) == before


def test_an_unknown_granularity_is_named_with_every_allowed_one(empty_scene, tmp_path, capsys):
    """Blender checks enum values before the operator runs, in its own words; both name the same things."""
    grid(2, 2)
    with pytest.raises(TypeError) as refused:
        bpy.ops.mesh.random_vertex_colors(granularity='TRIANGLE')
    source = tmp_path / "in.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)
    capsys.readouterr()
    assert cli.main([str(source), "--output", str(tmp_path / "o.blend"), "--granularity", "TRIANGLE"]) == 2
    stderr = capsys.readouterr().err
    for text in (str(refused.value), stderr):
        assert "TRIANGLE" in text
        assert all(granularity in text for granularity in options.GRANULARITIES)
    assert not (tmp_path / "o.blend").exists()

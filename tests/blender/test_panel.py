# SPDX-License-Identifier: GPL-3.0-or-later
"""Which controls the redo panel draws in each color mode, and how.

``draw_options`` is called with a layout that records the calls made on it
(Blender gives a real ``UILayout`` only inside a window); the picture of the
panel itself is made by ``make screenshots`` with Blender's own window.
"""

import bpy
import pytest

from random_vertex_colors import operators, options


class Recorder:
    """Stands for a UILayout: remembers every property drawn, with the arguments, and its nesting."""

    def __init__(self, calls, path=()):
        self.calls, self.path = calls, path
        self.use_property_split = self.use_property_decorate = False

    def row(self, **keywords):
        return Recorder(self.calls, (*self.path, "row"))

    def column(self, **keywords):
        return Recorder(self.calls, (*self.path, "column"))

    def split(self, **keywords):
        return Recorder(self.calls, (*self.path, "split"))

    def label(self, **keywords):
        pass  # text only: no property drawn

    def prop(self, owner, name, **keywords):
        self.calls.append((name, self.path, keywords))

    def prop_search(self, owner, name, *args, **keywords):
        self.calls.append((name, self.path, keywords))


class Owner:
    def __init__(self, color_mode):
        self.color_mode = color_mode


def drawn(color_mode):
    calls = []
    operators.draw_options(Recorder(calls), Owner(color_mode))
    return calls


def names(color_mode):
    return [name for name, _path, _keywords in drawn(color_mode)]


@pytest.mark.parametrize("color_mode", options.COLOR_MODES)
def test_every_mode_draws_its_own_controls_and_the_common_ones(color_mode):
    shown = names(color_mode)
    ranges = [name for name in shown if name.endswith("_range")]
    assert len(ranges) == 2 * len(set(ranges))  # Min and Max
    assert len(shown) - len(ranges) == len(set(shown) - set(ranges))  # the rest once each
    for common in ("seed", "granularity", "color_mode", "channels", "mix", "attribute_name", "domain",
                   "only_selected"):
        assert common in shown
    assert "random_alpha" not in shown  # channel A is the same switch
    assert ("hue_range" in shown) == (color_mode == "HSV")
    assert ("palette_name" in shown) == (color_mode == "PALETTE")
    for jitter in ("jitter_hue", "jitter_saturation", "jitter_value"):
        assert (jitter in shown) == (color_mode == "JITTER")
    assert len(set(shown)) <= 11  # a short panel: the eight common rows and at most three of the mode's


def test_channels_are_a_row_of_toggles_and_amounts_are_sliders():
    calls = {name: (path, keywords) for name, path, keywords in drawn("JITTER")}
    assert calls["channels"][0] == ("row",)
    assert bpy.ops.mesh.random_vertex_colors.get_rna_type().properties["channels"].is_enum_flag
    assert calls["mix"][1].get("slider")
    paths = {calls[name][0] for name in ("jitter_hue", "jitter_saturation", "jitter_value")}
    assert paths == {("column",)}  # one aligned column
    assert all(calls[name][1].get("slider") for name in ("jitter_hue", "jitter_saturation", "jitter_value"))


def test_random_alpha_is_not_remembered_between_calls(empty_scene):
    properties = bpy.ops.mesh.random_vertex_colors.get_rna_type().properties
    assert properties["random_alpha"].is_skip_save
    assert not properties["channels"].is_skip_save

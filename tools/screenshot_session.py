# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender side of ``make screenshots``: started by tools/screenshots.py.

    blender --factory-startup --python tools/screenshot_session.py -- REPO CONTROL_DIR

Enables the add-on from the checkout at REPO, builds a small scene, then
waits for commands: tools/screenshots.py drives the interface with xdotool
as a user would and asks this side, through JSON files in CONTROL_DIR, what
the window shows (areas, the redo panel's region, the last operator's
values, the rows its draw puts in the panel) and to save screenshots. Nothing here presses a button or sets an
option: that is the user's part, played by xdotool.

Commands (``command.json``, written by a rename): ``{"id": N, "do": NAME, ...}``;
the answer goes to ``reply-N.json``: ``{"ok": true, ...}`` or ``{"ok": false,
"error": TEXT}``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import traceback
from typing import Any

import addon_utils
import bpy
import numpy as np
from mathutils import Euler

ADDON = "random_vertex_colors"
OPERATOR = "MESH_OT_random_vertex_colors"
POLL_SECONDS = 0.1


def arguments() -> tuple[str, str]:
    args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if len(args) != 2:
        raise SystemExit("screenshot_session.py wants: -- REPO CONTROL_DIR")
    return args[0], args[1]


def enable_addon(repo: str) -> None:
    """Enable the add-on from the checkout, as Preferences > Add-ons would (legacy add-on)."""
    sys.path.insert(0, repo)
    module = addon_utils.enable(ADDON, default_set=True, handle_error=None)
    if module is None:
        raise RuntimeError(f"Could not enable the add-on {ADDON} from {repo}")
    origin = os.path.realpath(module.__file__)
    if not origin.startswith(os.path.realpath(repo) + os.sep):
        raise RuntimeError(f"The add-on came from {origin}, not from the checkout {repo}")


def build_scene() -> None:
    """A mesh of several islands in front of the camera view, vertex colors shown in Solid mode."""
    for ob in list(bpy.data.objects):
        bpy.data.objects.remove(ob)
    bpy.ops.mesh.primitive_monkey_add(location=(0.0, 0.0, 0.0))
    monkey = bpy.context.active_object
    monkey.name = "Suzanne"
    bpy.ops.object.shade_smooth()
    subdivision = monkey.modifiers.new("Subdivision", 'SUBSURF')
    subdivision.levels = 1
    palette = bpy.data.palettes.new("Sunset")
    for color in ((0.98, 0.36, 0.25), (0.99, 0.65, 0.30), (0.97, 0.85, 0.45), (0.55, 0.25, 0.45),
                  (0.25, 0.20, 0.40)):
        palette.colors.new().color = color
    for screen in bpy.data.screens:
        for area in screen.areas:
            if area.type == 'VIEW_3D':
                space = area.spaces.active
                space.shading.type = 'SOLID'
                space.shading.color_type = 'VERTEX'
                space.overlay.show_floor = True
                region = space.region_3d
                region.view_distance = 4.5
                region.view_rotation = Euler((math.radians(72), 0.0, math.radians(-28))).to_quaternion()


def window_state() -> dict[str, Any]:
    """What the first window shows: size, areas and regions (Blender's coordinates, origin bottom left)."""
    wm = bpy.context.window_manager
    window = wm.windows[0]
    areas = []
    for area in window.screen.areas:
        regions = [
            {"type": region.type, "x": region.x, "y": region.y,
             "width": region.width, "height": region.height}
            for region in area.regions
        ]
        areas.append({"type": area.type, "x": area.x, "y": area.y, "width": area.width,
                      "height": area.height, "regions": regions})
    last = None
    if wm.operators:
        operator = wm.operators[-1]
        last = {"idname": operator.bl_idname, "properties": properties_of(operator)}
        if operator.bl_idname == OPERATOR:
            last["panel_rows"] = panel_rows(operator)
    return {
        "width": window.width, "height": window.height, "mode": bpy.context.mode,
        "ui_scale": bpy.context.preferences.view.ui_scale,
        "pixel_size": bpy.context.preferences.system.pixel_size,
        "ui_line_width": bpy.context.preferences.system.ui_line_width,
        "areas": areas, "last_operator": last,
        "palettes": [palette.name for palette in bpy.data.palettes],
    }


def properties_of(operator: bpy.types.Operator) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for prop in operator.properties.bl_rna.properties:
        if prop.identifier == "rna_type":
            continue
        value = getattr(operator.properties, prop.identifier)
        if isinstance(value, (set, frozenset)):  # an enum flag (channels): its identifiers
            value = sorted(value)
        elif hasattr(value, "__len__") and not isinstance(value, str):
            value = [round(float(v), 4) for v in value]
        values[prop.identifier] = value
    return values


class LayoutRecorder:
    """Stands for a UILayout: keeps what a draw puts where, to count the rows the panel shows.

    A row or split lays its items side by side (one row); a column or the
    panel itself stacks them (a row each).
    """

    def __init__(self, across: bool = False) -> None:
        self.across = across
        self.items: list[LayoutRecorder | str | None] = []  # a property's name; None: a label

    def _child(self, across: bool) -> LayoutRecorder:
        child = LayoutRecorder(across)
        self.items.append(child)
        return child

    def row(self, **_keywords: Any) -> LayoutRecorder:
        return self._child(True)

    def split(self, **_keywords: Any) -> LayoutRecorder:
        return self._child(True)

    def column(self, **_keywords: Any) -> LayoutRecorder:
        return self._child(False)

    def prop(self, _owner: object, name: str, **_keywords: Any) -> None:
        self.items.append(name)

    def prop_search(self, _owner: object, name: str, *_args: Any, **_keywords: Any) -> None:
        self.items.append(name)

    def label(self, **_keywords: Any) -> None:
        self.items.append(None)

    def names(self) -> list[str]:
        """The properties drawn, left to right (a range's name twice: Min and Max)."""
        found: list[str] = []
        for item in self.items:
            if isinstance(item, LayoutRecorder):
                found.extend(item.names())
            elif item is not None:
                found.append(item)
        return found

    def rows(self) -> list[list[str]]:
        """Each row of the panel, top to bottom: the properties in it ([] for a row of labels)."""
        if self.across:
            return [self.names()]
        rows: list[list[str]] = []
        for item in self.items:
            if isinstance(item, LayoutRecorder):
                rows.extend(item.rows())
            else:
                rows.append([] if item is None else [item])
        return rows


def panel_rows(operator: bpy.types.Operator) -> list[list[str]]:
    """The rows the add-on's redo panel draws for ``operator``'s values, from its own draw."""
    from random_vertex_colors.operators import draw_options

    recorder = LayoutRecorder()
    draw_options(recorder, operator)  # type: ignore[arg-type]  (a recorder stands for the UILayout)
    return recorder.rows()


def screenshot(path: str, crop: dict[str, int] | None) -> dict[str, Any]:
    """Save the window to ``path``, cut to ``crop`` (x, y, width, height from the bottom left) if given."""
    window = bpy.context.window_manager.windows[0]
    area = next(area for area in window.screen.areas if area.type == 'VIEW_3D')
    region = next(region for region in area.regions if region.type == 'WINDOW')
    whole = os.path.join(tempfile.gettempdir(), f"rvc-window-{os.getpid()}.png")
    with bpy.context.temp_override(window=window, screen=window.screen, area=area, region=region):
        result = bpy.ops.screen.screenshot(filepath=whole)
    if result != {'FINISHED'} or not os.path.exists(whole):
        raise RuntimeError(f"bpy.ops.screen.screenshot gave {result} and no file")
    image = bpy.data.images.load(whole)
    try:
        width, height = image.size
        pixels = np.empty(width * height * 4, dtype=np.float32)
        image.pixels.foreach_get(pixels)
    finally:
        bpy.data.images.remove(image)
        os.remove(whole)
    pixels = pixels.reshape(height, width, 4)
    if crop is not None:
        x0 = max(0, crop["x"])
        y0 = max(0, crop["y"])
        x1 = min(width, crop["x"] + crop["width"])
        y1 = min(height, crop["y"] + crop["height"])
        pixels = pixels[y0:y1, x0:x1]
    out_height, out_width = pixels.shape[:2]
    out = bpy.data.images.new("rvc-screenshot", out_width, out_height, alpha=False)
    try:
        out.pixels.foreach_set(np.ascontiguousarray(pixels).ravel())
        out.filepath_raw = path
        out.file_format = 'PNG'
        out.save()
    finally:
        bpy.data.images.remove(out)
    return {"path": path, "width": out_width, "height": out_height}


def run(command: dict[str, Any]) -> dict[str, Any]:
    what = command["do"]
    if what == "state":
        return window_state()
    if what == "screenshot":
        return screenshot(command["path"], command.get("crop"))
    if what == "quit":
        bpy.app.timers.register(lambda: bpy.ops.wm.quit_blender() and None, first_interval=0.2)
        return {}
    raise ValueError(f"unknown command {what!r}")


def serve(control: str) -> Any:
    """Timer: answer the command waiting in CONTROL_DIR, if any."""
    path = os.path.join(control, "command.json")
    if not os.path.exists(path):
        return POLL_SECONDS
    with open(path, encoding="utf-8") as file:
        command = json.load(file)
    os.remove(path)
    try:
        reply = {"ok": True, **run(command)}
    except Exception as error:  # the driver shows it and stops
        reply = {"ok": False, "error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}
    answer = os.path.join(control, f"reply-{command['id']}.json")
    with open(answer + ".part", "w", encoding="utf-8") as file:
        json.dump(reply, file)
    os.replace(answer + ".part", answer)
    return POLL_SECONDS


def set_up(repo: str, control: str) -> None:
    """Once the window is up: the add-on, the scene, an undo step for it, then the commands."""
    try:
        enable_addon(repo)
        build_scene()
        # Without this step, the redo panel's undo would go back to the factory scene.
        window = bpy.context.window_manager.windows[0]
        with bpy.context.temp_override(window=window, screen=window.screen):
            bpy.ops.ed.undo_push(message="Screenshot scene")
    except Exception:
        with open(os.path.join(control, "failed.txt"), "w", encoding="utf-8") as file:
            file.write(traceback.format_exc())
        return
    bpy.app.timers.register(lambda: serve(control), first_interval=0.5, persistent=True)
    with open(os.path.join(control, "ready"), "w", encoding="utf-8") as file:
        file.write("ready\n")


def main() -> None:
    repo, control = arguments()
    bpy.app.timers.register(lambda: set_up(repo, control), first_interval=1.0)


main()

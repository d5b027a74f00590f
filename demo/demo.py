# SPDX-License-Identifier: GPL-3.0-or-later
"""Build a scene in headless Blender, colour it, save a .blend and render a PNG.

    python demo/demo.py --output out          # with the bpy module
    blender -b --factory-startup --python demo/demo.py -- --output out

Prints the paths of the .blend and the PNG it wrote.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys

import bpy

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import random_vertex_colors  # noqa: E402


def build_scene() -> list[bpy.types.Object]:
    """Suzanne subdivided, a grid, a cylinder with n-gon caps and a torus."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    objects = []
    bpy.ops.mesh.primitive_monkey_add(location=(0, 0, 0.2))
    monkey = bpy.context.object
    monkey.modifiers.new("Subdivision", 'SUBSURF').levels = 1
    bpy.ops.object.modifier_apply(modifier="Subdivision")
    objects.append(monkey)
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=12, y_subdivisions=12, size=7, location=(0, 0, -1))
    objects.append(bpy.context.object)
    bpy.ops.mesh.primitive_cylinder_add(vertices=9, location=(2.3, 0.5, -0.2), end_fill_type='NGON')
    objects.append(bpy.context.object)
    bpy.ops.mesh.primitive_torus_add(location=(-2.3, 0.5, -0.4), major_segments=24, minor_segments=8)
    objects.append(bpy.context.object)
    return objects


def setup_render(scene, resolution=(960, 540)) -> None:
    """Workbench showing the colour attribute, flat lit from a fixed camera."""
    scene.render.engine = 'BLENDER_WORKBENCH'
    scene.display.shading.light = 'FLAT'
    scene.display.shading.color_type = 'VERTEX'
    scene.render.resolution_x, scene.render.resolution_y = resolution
    scene.render.film_transparent = False
    scene.world = scene.world or bpy.data.worlds.new("World")
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    scene.collection.objects.link(camera)
    scene.camera = camera
    camera.location = (0.0, -8.5, 4.2)
    camera.rotation_euler = (math.radians(66), 0.0, 0.0)


def render(scene, path: pathlib.Path) -> None:
    scene.render.filepath = str(path)
    scene.render.image_settings.file_format = 'PNG'
    bpy.ops.render.render(write_still=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="out", help="folder for demo.blend and demo.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = pathlib.Path(args.output).resolve()
    out.mkdir(parents=True, exist_ok=True)

    random_vertex_colors.register()
    objects = build_scene()
    for ob in bpy.context.view_layer.objects:
        ob.select_set(ob in objects)
    bpy.context.view_layer.objects.active = objects[0]
    bpy.ops.mesh.random_vertex_colors(seed=args.seed)

    scene = bpy.context.scene
    setup_render(scene)
    blend_path, png_path = out / "demo.blend", out / "demo.png"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend_path))
    render(scene, png_path)
    print(f"wrote {blend_path}")
    print(f"wrote {png_path}")
    return 0


if __name__ == "__main__":
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:]
    # A Blender binary passes its own arguments; keep only ours.
    if bpy.app.binary_path and not argv and "--" not in sys.argv and sys.argv[0].endswith("blender"):
        argv = []
    sys.exit(main(argv))

# SPDX-License-Identifier: GPL-3.0-or-later
"""Build a scene in headless Blender, colour it, save a .blend and render PNGs.

    python demo/demo.py --output out          # with the bpy module
    blender -b --factory-startup --python demo/demo.py -- --output out

Writes demo.blend and demo.png (one colour per face), then one picture per
granularity and per colour mode, and an ID map with its legend; prints the
path of each file it wrote.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys

import bpy
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import random_vertex_colors  # noqa: E402

GRANULARITIES = ('FACE', 'ISLAND', 'UV_ISLAND', 'FACE_SET', 'OBJECT', 'MATERIAL', 'VERTEX')
COLOR_MODES = {
    'HSV': {"hue_range": (0.5, 0.7), "saturation_range": (0.4, 0.9), "value_range": (0.6, 1.0)},
    'PALETTE': {"palette_name": "Demo"},
    'GRAYSCALE': {},
    'DISTINCT': {"granularity": 'ISLAND'},
}
PALETTE = [(0.95, 0.75, 0.2), (0.85, 0.3, 0.25), (0.25, 0.55, 0.6), (0.15, 0.25, 0.35), (0.9, 0.9, 0.85)]


def add_materials(ob, names) -> None:
    """Give ``ob`` one slot per name and assign faces in bands along x (as the camera sees them)."""
    for name in names:
        ob.data.materials.append(bpy.data.materials.get(name) or bpy.data.materials.new(name))
    centers = np.empty(len(ob.data.polygons) * 3, dtype=np.float32)
    ob.data.polygons.foreach_get("center", centers)
    x = centers.reshape(-1, 3)[:, 0]
    bands = np.floor((x - x.min()) / (np.ptp(x) + 1e-6) * len(names)).astype(np.int32)
    ob.data.polygons.foreach_set("material_index", bands)


def add_face_sets(ob, n_sets: int) -> None:
    """Face sets in angular sectors around z (as a sculptor's quick masks)."""
    name = ".sculpt_face_set" if bpy.app.version >= (4, 0) else "sculpt_face_set"
    centers = np.empty(len(ob.data.polygons) * 3, dtype=np.float32)
    ob.data.polygons.foreach_get("center", centers)
    xyz = centers.reshape(-1, 3)
    angle = np.arctan2(xyz[:, 1], xyz[:, 0]) + math.pi
    sets = (np.floor(angle / (2 * math.pi) * n_sets) + 1).astype(np.int32)
    ob.data.attributes.new(name, 'INT', 'FACE').data.foreach_set("value", sets)


def smart_uv(ob) -> None:
    bpy.context.view_layer.objects.active = ob
    ob.select_set(True)
    bpy.ops.object.mode_set(mode='EDIT')
    bpy.ops.mesh.select_all(action='SELECT')
    bpy.ops.uv.smart_project(angle_limit=math.radians(50))
    bpy.ops.object.mode_set(mode='OBJECT')
    ob.select_set(False)


def build_scene() -> list:
    """Suzanne, a torus, a cylinder with n-gon caps, a sphere, a heap of cubes and a floor."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    objects = []
    bpy.ops.mesh.primitive_monkey_add(location=(0, 0.3, 0.25))
    monkey = bpy.context.object
    monkey.modifiers.new("Subdivision", 'SUBSURF').levels = 1
    bpy.ops.object.modifier_apply(modifier="Subdivision")
    objects.append(monkey)
    bpy.ops.mesh.primitive_torus_add(location=(-2.4, 0.6, -0.35), major_segments=32, minor_segments=12)
    objects.append(bpy.context.object)
    bpy.ops.mesh.primitive_cylinder_add(
        vertices=9, radius=0.8, location=(2.4, 0.8, -0.2), end_fill_type='NGON'
    )
    objects.append(bpy.context.object)
    bpy.ops.mesh.primitive_uv_sphere_add(radius=0.6, location=(-1.2, -1.4, -0.4))
    objects.append(bpy.context.object)
    rng = np.random.default_rng(7)
    for i in range(12):  # a heap of small cubes, joined into one mesh of 12 islands
        x, y = rng.uniform(0.6, 2.6), rng.uniform(-2.2, -0.8)
        bpy.ops.mesh.primitive_cube_add(size=0.35, location=(x, y, -0.82 + 0.1 * (i % 3)))
        bpy.context.object.rotation_euler.z = rng.uniform(0, math.pi)
    cubes = [ob for ob in bpy.context.scene.objects if ob.name.startswith("Cube")]
    for ob in bpy.context.view_layer.objects:
        ob.select_set(ob in cubes)
    bpy.context.view_layer.objects.active = cubes[0]
    bpy.ops.object.join()
    objects.append(bpy.context.object)
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=14, y_subdivisions=10, size=1, location=(0, 0, -1))
    floor = bpy.context.object
    floor.scale = (8, 5.5, 1)
    objects.append(floor)

    for ob in objects:
        ob.select_set(False)
        smart_uv(ob)
        add_materials(ob, ["Stone", "Paint", "Metal"][: 2 + len(ob.data.polygons) % 2])
        add_face_sets(ob, 5)
    palette = bpy.data.palettes.new("Demo")
    for color in PALETTE:
        palette.colors.new().color = color
    return objects


def setup_render(scene, resolution) -> None:
    """Workbench showing the colour attribute, flat lit, from a fixed camera."""
    scene.render.engine = 'BLENDER_WORKBENCH'
    scene.display.shading.light = 'FLAT'
    scene.display.shading.color_type = 'VERTEX'
    scene.render.resolution_x, scene.render.resolution_y = resolution
    scene.render.image_settings.file_format = 'PNG'
    scene.render.image_settings.color_mode = 'RGB'
    scene.render.image_settings.compression = 100
    scene.render.film_transparent = False
    scene.render.dither_intensity = 0.0  # flat colours stay flat (and compress)
    scene.world = bpy.data.worlds.new("Backdrop")
    scene.world.color = (0.04, 0.045, 0.05)
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    scene.collection.objects.link(camera)
    scene.camera = camera
    camera.location = (0.0, -10.2, 5.0)
    camera.rotation_euler = (math.radians(64), 0.0, 0.0)


def render(scene, path: pathlib.Path) -> pathlib.Path:
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    return path


def color_all(objects, **props) -> None:
    for ob in bpy.context.view_layer.objects:
        ob.select_set(ob in objects)
    bpy.context.view_layer.objects.active = objects[0]
    bpy.ops.mesh.random_vertex_colors(**props)


def legend_overlay(scene, document: dict) -> list:
    """The legend drawn in front of the camera: a swatch and "key  #rrggbb" per group, on a dark plate.

    Swatches get the legend's own sRGB values; the objects hang from the camera, so they sit
    in the frame's top right corner whatever the scene. Returns the objects, to remove them after.
    """
    camera = scene.camera
    groups = document["groups"]
    # Wider and shifted left for the picture, so the scene leaves the right side to the legend.
    camera.data.lens, camera.data.shift_x = 35.0, 0.15
    depth, row_height, top, left = 5.0, 0.22, 1.05, 1.95
    added = []

    def hang(ob, x, y, z_offset=0.0):
        ob.parent = camera
        ob.location = (x, y, -depth + z_offset)
        ob.rotation_euler = (0.0, 0.0, 0.0)
        added.append(ob)
        return ob

    def paint(ob, srgb):
        attribute = ob.data.color_attributes.new("Color", 'FLOAT_COLOR', 'CORNER')
        attribute.data.foreach_set("color_srgb", np.tile(np.float32(srgb), len(ob.data.loops)))
        ob.data.color_attributes.active_color = attribute

    def plane(name, width, height, srgb, x, y, z_offset=0.0):
        mesh = bpy.data.meshes.new(name)
        w, h = width / 2, height / 2
        mesh.from_pydata([(-w, -h, 0), (w, -h, 0), (w, h, 0), (-w, h, 0)], [], [(0, 1, 2, 3)])
        ob = bpy.data.objects.new(name, mesh)
        scene.collection.objects.link(ob)
        paint(ob, srgb)
        return hang(ob, x, y, z_offset)

    height = row_height * (len(groups) + 1.2)
    plane("LegendPlate", 1.3, height, (0.08, 0.085, 0.09, 1.0), left + 0.6, top - height / 2 + 0.1, -0.01)
    plane("LegendTitle", 0.001, 0.001, (0, 0, 0, 1), left, top)  # keeps rows aligned under the title
    for row, group in enumerate([{"key": f"{document['granularity'].title()} legend", "hex": ""}, *groups]):
        y = top - row * row_height
        if row:
            plane(f"Swatch{row}", 0.14, 0.14, group["srgb"], left, y)
        curve = bpy.data.curves.new(f"Label{row}", 'FONT')
        curve.body = f"{group['key']}   {group['hex']}" if row else group["key"]
        curve.size = 0.11
        text = bpy.data.objects.new(f"Label{row}", curve)
        scene.collection.objects.link(text)
        bpy.context.view_layer.objects.active = text
        for ob in bpy.context.view_layer.objects:
            ob.select_set(ob == text)
        bpy.ops.object.convert(target='MESH')
        text = bpy.context.object
        paint(text, (0.92, 0.92, 0.9, 1.0))
        hang(text, left + (0.12 if row else -0.07), y - 0.04)
    return added


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="out", help="folder for the .blend and the PNGs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--width", type=int, default=960, help="picture width; height is 9/16 of it")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.output).resolve()
    out.mkdir(parents=True, exist_ok=True)

    random_vertex_colors.register()
    objects = build_scene()
    scene = bpy.context.scene
    setup_render(scene, (args.width, args.width * 9 // 16))
    written = []

    for granularity in GRANULARITIES:
        color_all(objects, seed=args.seed, granularity=granularity)
        written.append(render(scene, out / f"granularity-{granularity.lower()}.png"))
    for mode, extra in COLOR_MODES.items():
        color_all(objects, seed=args.seed, color_mode=mode, **extra)
        written.append(render(scene, out / f"mode-{mode.lower()}.png"))
    # Jitter: one color per object, then every face shifted a little from it.
    color_all(objects, seed=args.seed, granularity='OBJECT', color_mode='HSV',
              saturation_range=(0.6, 0.8), value_range=(0.75, 0.9))
    color_all(objects, seed=args.seed, color_mode='JITTER', jitter_hue=0.04, jitter_saturation=0.15,
              jitter_value=0.15)
    written.append(render(scene, out / "mode-jitter.png"))
    # Packed channels: from black, a gray per island into R, a gray per face into G.
    color_all(objects, seed=args.seed, color_mode='HSV', value_range=(0.0, 0.0))
    color_all(objects, seed=args.seed, granularity='ISLAND', color_mode='GRAYSCALE', channels={'R'})
    color_all(objects, seed=args.seed, granularity='FACE', color_mode='GRAYSCALE', channels={'G'})
    written.append(render(scene, out / "channels-packed.png"))

    # An ID map with its legend: one distinct, stable color per object, the legend beside it.
    color_all(objects, seed=args.seed, granularity='OBJECT', color_mode='DISTINCT', stable=True, legend=True)
    overlay = legend_overlay(scene, json.loads(bpy.data.texts["Color legend"].as_string()))
    written.append(render(scene, out / "id-legend.png"))
    for ob in overlay:
        bpy.data.objects.remove(ob)
    scene.camera.data.lens, scene.camera.data.shift_x = 50.0, 0.0

    color_all(objects, seed=args.seed)  # what demo.blend keeps: a colour per face
    blend_path = out / "demo.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend_path))
    written.insert(0, render(scene, out / "demo.png"))
    written.insert(0, blend_path)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:]))

# SPDX-License-Identifier: GPL-3.0-or-later
"""Install a built zip the way users do, use it, disable and enable it; print what was seen.

Run in a fresh Blender whose user folders point at an empty temporary folder:

    python install_script.py ZIP                                   (bpy module, 4.2+)
    blender --background --factory-startup --python install_script.py -- ZIP   (binary)

Blender 4.2+ gets the extension zip (Install from Disk), older Blender the
legacy zip (Add-ons > Install). The last line of output is
``RVC_INSTALL_RESULT <json>``; tests/blender/test_install.py asserts on it.
Leaves with ``os._exit``: the bpy 4.2 module can crash while Python shuts down.
"""

import json
import os
import sys
import traceback

import bpy
import numpy as np

MENUS = ("VIEW3D_MT_paint_vertex", "VIEW3D_MT_object", "VIEW3D_MT_edit_mesh_faces")
EXTENSIONS = bpy.app.version >= (4, 2, 0)
MODULE = "bl_ext.user_default.random_vertex_colors" if EXTENSIONS else "random_vertex_colors"


def install(archive):
    if EXTENSIONS:
        return bpy.ops.extensions.package_install_files(
            filepath=archive, repo='user_default', enable_on_install=True,
        )
    installed = bpy.ops.preferences.addon_install(filepath=archive)
    return installed | bpy.ops.preferences.addon_enable(module=MODULE)


def observe():
    """What Blender shows of the add-on right now."""
    operator = getattr(bpy.types, "MESH_OT_random_vertex_colors", None)
    module = sys.modules.get(MODULE)
    return {
        "enabled": MODULE in bpy.context.preferences.addons,
        "operator_module": operator.__module__ if operator is not None else None,
        # The draw functions each menu calls that come from this module (by module name, since
        # re-enabling may import the module afresh).
        "menu_entries": {
            name: [f"{f.__module__}.{f.__name__}" for f in getattr(bpy.types, name)._dyn_ui_initialize()
                   if getattr(f, "__module__", "").startswith(MODULE + ".")]
            for name in MENUS
        },
        "module_file": getattr(module, "__file__", None),
    }


def colour_a_grid(seed):
    """Run the operator through bpy.ops on a grid made here; report what it wrote."""
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=6, y_subdivisions=6, size=2)
    ob = bpy.context.object
    for other in bpy.context.view_layer.objects:
        other.select_set(other == ob)
    result = bpy.ops.mesh.random_vertex_colors(seed=seed)
    me = ob.data
    attribute = me.color_attributes.active_color
    report = {"result": sorted(result), "faces": len(me.polygons), "attribute": None}
    if attribute is not None:
        colours = np.empty(len(attribute.data) * 4, dtype=np.float32)
        attribute.data.foreach_get("color", colours)
        report["attribute"] = [attribute.name, attribute.domain, attribute.data_type]
        report["distinct_colours"] = len(np.unique(colours.reshape(-1, 4), axis=0))
    return report


def fast_face_read_switch():
    """The preference as installed, and whether the raw face read may run with it on and off."""
    preferences = bpy.context.preferences.addons[MODULE].preferences
    face_starts = sys.modules[MODULE + ".face_starts"]
    seen = {"default": preferences.use_fast_face_read,
            "allowed_on": face_starts.raw_read_allowed(bpy.app.version)}
    preferences.use_fast_face_read = False
    seen["allowed_off"] = face_starts.raw_read_allowed(bpy.app.version)
    seen["run_off"] = colour_a_grid(seed=3)
    preferences.use_fast_face_read = True
    seen["tested_versions"] = sorted(face_starts.RAW_READ_VERSIONS)
    return seen


def main(archive):
    seen = {
        "blender": list(bpy.app.version),
        "module": MODULE,
        "user_scripts": bpy.utils.user_resource('SCRIPTS'),
        "user_extensions": bpy.utils.user_resource('EXTENSIONS') if EXTENSIONS else None,
    }
    seen["install"] = sorted(install(archive))
    seen["installed"] = observe()
    seen["run"] = colour_a_grid(seed=1)
    seen["fast_face_read"] = fast_face_read_switch()
    seen["disable"] = sorted(bpy.ops.preferences.addon_disable(module=MODULE))
    seen["disabled"] = observe()
    seen["enable"] = sorted(bpy.ops.preferences.addon_enable(module=MODULE))
    seen["enabled_again"] = observe()
    seen["run_again"] = colour_a_grid(seed=2)
    return seen


if __name__ == "__main__":
    args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:]
    status = 0
    try:
        print("RVC_INSTALL_RESULT", json.dumps(main(args[0])))
    except Exception:
        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)

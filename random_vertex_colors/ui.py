# SPDX-License-Identifier: GPL-3.0-or-later
"""Menu entries: Vertex Paint > Paint, Object, and Edit Mode > Face."""

from __future__ import annotations

import bpy

from .operators import MESH_OT_random_vertex_colors

MENU_NAMES = ("VIEW3D_MT_paint_vertex", "VIEW3D_MT_object", "VIEW3D_MT_edit_mesh_faces")


def draw_menu_entry(self, _context) -> None:
    self.layout.separator()
    self.layout.operator(MESH_OT_random_vertex_colors.bl_idname, icon='COLOR')


def register() -> None:
    for name in MENU_NAMES:
        getattr(bpy.types, name).append(draw_menu_entry)


def unregister() -> None:
    for name in reversed(MENU_NAMES):
        getattr(bpy.types, name).remove(draw_menu_entry)

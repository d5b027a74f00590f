# SPDX-License-Identifier: GPL-3.0-or-later
"""Menu entries: Vertex Paint > Paint, Object, and Edit Mode > Face."""

from __future__ import annotations

import bpy
from bpy.types import Context, Menu

from .operators import MESH_OT_random_vertex_colors

MENU_NAMES = ("VIEW3D_MT_paint_vertex", "VIEW3D_MT_object", "VIEW3D_MT_edit_mesh_faces")


def draw_menu_entry(self: Menu, _context: Context) -> None:
    """One menu entry for the operator, below a separator."""
    layout = self.layout
    if layout is None:
        return
    layout.separator()
    layout.operator(MESH_OT_random_vertex_colors.bl_idname, icon='COLOR')


def register() -> None:
    """Add the menu entries."""
    for name in MENU_NAMES:
        getattr(bpy.types, name).append(draw_menu_entry)


def unregister() -> None:
    """Remove the menu entries."""
    for name in reversed(MENU_NAMES):
        getattr(bpy.types, name).remove(draw_menu_entry)

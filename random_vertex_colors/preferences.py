# SPDX-License-Identifier: GPL-3.0-or-later
"""The add-on's preferences (Edit > Preferences > Add-ons > Random Vertex Colors)."""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty
from bpy.types import AddonPreferences, Context

# "random_vertex_colors" as a legacy add-on, "bl_ext.<repository>.random_vertex_colors" as an extension.
ADDON_ID = __package__ or "random_vertex_colors"


class RandomVertexColorsPreferences(AddonPreferences):
    """Switches for the add-on as a whole."""

    bl_idname = ADDON_ID

    use_fast_face_read: BoolProperty(  # type: ignore[valid-type]
        name="Fast Face Read",
        description=(
            "Read face corner ranges straight from Blender's memory, on the Blender versions this "
            "add-on was tested on. Off: the slower, always safe Python API read"
        ),
        default=True,
    )

    def draw(self, _context: Context) -> None:
        """Draw the preferences."""
        self.layout.prop(self, "use_fast_face_read")


def fast_face_read_enabled() -> bool:
    """The preference's value; True when the add-on is not enabled as such (command line, tests)."""
    preferences = bpy.context.preferences
    addon = preferences.addons.get(ADDON_ID) if preferences is not None else None
    if addon is None or addon.preferences is None:
        return True
    return bool(getattr(addon.preferences, "use_fast_face_read", True))


def register() -> None:
    """Register the preferences."""
    bpy.utils.register_class(RandomVertexColorsPreferences)


def unregister() -> None:
    """Unregister the preferences."""
    bpy.utils.unregister_class(RandomVertexColorsPreferences)

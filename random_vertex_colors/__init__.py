# SPDX-License-Identifier: GPL-3.0-or-later
"""Random Vertex Colors: a random color per face, island, object, material or vertex, fast.

This module only registers. It imports nothing from Blender at import time,
so ``random_vertex_colors.core`` works in any Python with numpy.
"""

# Read by Blender 3.4 to 4.1 (legacy add-ons); 4.2+ reads blender_manifest.toml.
bl_info = {
    "name": "Random Vertex Colors",
    "author": "Random Vertex Colors developers",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "Vertex Paint > Paint, Object menu, Edit Mode > Face menu, F3 search",
    "description": "Random colors per face, island, UV island, face set, object, material or vertex",
    "category": "Paint",
}


def register() -> None:
    """Register the preferences, the operator and its menu entries."""
    from . import operators, preferences, ui

    preferences.register()
    operators.register()
    ui.register()


def unregister() -> None:
    """Unregister what ``register`` registered, in reverse order."""
    from . import operators, preferences, ui

    ui.unregister()
    operators.unregister()
    preferences.unregister()

# SPDX-License-Identifier: GPL-3.0-or-later
"""The legend of a color map: which group got which color, as JSON.

Numpy and the standard library only. ``coloring`` gives each mesh's groups
(``MeshLegend``: keys, face counts, colors); ``legend_json`` writes them all
as one JSON document::

    {"seed": 0, "granularity": "ISLAND", "color_mode": "DISTINCT", "attribute": "Color",
     "stable": false, "mix": 1.0, "channels": "RGB",
     "groups": [{"object": "Cube", "mesh": "Cube", "key": 0, "faces": 6,
                 "srgb": [0.0, 1.0, 0.5, 1.0], "hex": "#00ff80"}, ...]}

``srgb`` is the group's new color in sRGB (alpha as stored), the color
written to every corner of the group when Mix is 1 and R, G and B are all
written; ``hex`` is that color as 8-bit sRGB, rounded as Blender rounds it
into a byte color attribute or an exported file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .options import ColorSettings

__all__ = ["MeshLegend", "hex_codes", "legend_json", "srgb_bytes"]

# "#rrggbb" of every byte triple is too many strings; two hex digits per byte are 256.
_HEX_PAIRS = np.array([f"{value:02x}" for value in range(256)], dtype=object)


@dataclass(frozen=True)
class MeshLegend:
    """One mesh's groups, in group order.

    ``keys``: (n,) int64 (face, island or vertex index, face set id) or a
    sequence of str or None (material or object names). ``faces``: (n,) int
    faces per group (for VERTEX, the faces around the vertex: its corners).
    ``srgb``: (n, 4) float32, sRGB colors, alpha as stored.
    """

    object_name: str
    mesh_name: str
    keys: np.ndarray | Sequence[str | None]
    faces: np.ndarray
    srgb: np.ndarray

    def __post_init__(self) -> None:
        """Check that keys, faces and colors have one row per group."""
        n = len(self.keys)
        if np.shape(self.faces) != (n,) or np.shape(self.srgb) != (n, 4):
            raise ValueError(
                f"a legend needs one key, face count and (4,) color per group: got {n} keys, "
                f"faces {np.shape(self.faces)}, srgb {np.shape(self.srgb)}"
            )


def srgb_bytes(srgb: ArrayLike) -> np.ndarray:
    """Bytes of sRGB floats, rounded as Blender stores a byte color: (n, C) uint8.

    Blender's ``unit_float_to_uchar_clamp``: ``(uchar)(f * 255 + 0.5)`` in
    float, 0 at or below 0, 255 from ``1 - 0.5 / 255`` up.
    """
    values = np.asarray(srgb, dtype=np.float32)
    scaled = np.floor(values * np.float32(255.0) + np.float32(0.5))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def hex_codes(srgb: ArrayLike) -> list[str]:
    """``"#rrggbb"`` of each (n, 3 or 4) sRGB float color, from ``srgb_bytes``."""
    values = np.asarray(srgb)
    if values.ndim != 2 or values.shape[1] < 3:
        raise ValueError(f"srgb must have shape (n, 3) or (n, 4), got {values.shape}")
    pairs = _HEX_PAIRS[srgb_bytes(values[:, :3])]
    return list("#" + pairs[:, 0] + pairs[:, 1] + pairs[:, 2])


def _number_texts(values: np.ndarray) -> list[str]:
    # float32 printed with 9 significant digits reads back to the same float32.
    return [f"{value:.9g}" for value in values.tolist()]


def _group_lines(entry: MeshLegend) -> Iterable[str]:
    """One JSON object per group, as text: formatted column by column, joined once per group."""
    head = f'{{"object": {json.dumps(entry.object_name)}, "mesh": {json.dumps(entry.mesh_name)}, "key": '
    if isinstance(entry.keys, np.ndarray):
        keys = [str(key) for key in entry.keys.tolist()]
    else:
        keys = [json.dumps(key) for key in entry.keys]
    srgb = np.asarray(entry.srgb, dtype=np.float32)
    channels = [_number_texts(srgb[:, c]) for c in range(4)]
    faces = [str(count) for count in np.asarray(entry.faces).tolist()]
    codes = hex_codes(srgb)
    for key, count, r, g, b, a, code in zip(keys, faces, *channels, codes, strict=True):
        yield f'{head}{key}, "faces": {count}, "srgb": [{r}, {g}, {b}, {a}], "hex": "{code}"}}'


def legend_json(settings: ColorSettings, attribute: str, entries: Iterable[MeshLegend]) -> str:
    """The legend document of one run: the settings that made it and every mesh's groups.

    One group per line, so a million groups stay easy to stream and grep.
    """
    header: dict[str, Any] = {
        "seed": settings.seed,
        "granularity": settings.granularity,
        "color_mode": settings.color_mode,
        "attribute": attribute,
        "stable": settings.stable,
        "mix": settings.mix,
        "channels": settings.channels,
    }
    opening = json.dumps(header)[:-1] + ', "groups": [\n'
    lines = [line for entry in entries for line in _group_lines(entry)]
    return opening + ",\n".join(lines) + "\n]}\n"

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

_U16_MAX = 65535


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
    return [f"#{code:06x}" for code in _packed_rgb(srgb).tolist()]


def _packed_rgb(srgb: ArrayLike) -> np.ndarray:
    """Each color's three bytes (``srgb_bytes``) as one int, 0xRRGGBB: (n,) int64."""
    values = np.asarray(srgb)
    if values.ndim != 2 or values.shape[1] < 3:
        raise ValueError(f"srgb must have shape (n, 3) or (n, 4), got {values.shape}")
    rgb = srgb_bytes(values[:, :3]).astype(np.int64)
    return (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


_UNIT16 = (np.arange(_U16_MAX + 1) / _U16_MAX).astype(np.float32)  # core's 16-bit levels as float32
_UNIT16_TEXTS: np.ndarray | None = None


def _number_texts(values: np.ndarray) -> list[str]:
    """float32 values as the shortest text of 9 significant digits, which reads back to the same float32.

    Drawn colors are 16-bit levels: their texts come from one table of the
    65536 levels, made once, instead of formatting millions of numbers.
    """
    global _UNIT16_TEXTS
    levels = np.rint(values * np.float32(_U16_MAX)).clip(0, _U16_MAX).astype(np.int64)
    if np.array_equal(_UNIT16[levels], values):
        if _UNIT16_TEXTS is None:
            _UNIT16_TEXTS = np.array([f"{value:.9g}" for value in _UNIT16.tolist()], dtype=object)
        return _UNIT16_TEXTS[levels].tolist()
    unique, rows = np.unique(values, return_inverse=True)  # palettes, jitter: few distinct values
    texts = np.array([f"{value:.9g}" for value in unique.tolist()], dtype=object)
    return texts[rows.ravel()].tolist()


def _group_lines(entry: MeshLegend) -> Iterable[str]:
    """One JSON object per group, as text: columns formatted vectorized, one %-format per group."""
    head = f'{{"object": {json.dumps(entry.object_name)}, "mesh": {json.dumps(entry.mesh_name)}, "key": '
    keys: list[Any]
    if isinstance(entry.keys, np.ndarray):
        keys = entry.keys.tolist()
        template = head + '%d, "faces": %d, "srgb": [%s, %s, %s, %s], "hex": "#%06x"}'
    else:
        keys = [json.dumps(key) for key in entry.keys]
        template = head + '%s, "faces": %d, "srgb": [%s, %s, %s, %s], "hex": "#%06x"}'
    srgb = np.asarray(entry.srgb, dtype=np.float32)
    channels = [_number_texts(srgb[:, c]) for c in range(4)]
    faces = np.asarray(entry.faces).tolist()
    return map(template.__mod__, zip(keys, faces, *channels, _packed_rgb(srgb).tolist(), strict=True))


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
    lines = ",\n".join(",\n".join(_group_lines(entry)) for entry in entries)
    return opening + lines + "\n]}\n"

# SPDX-License-Identifier: GPL-3.0-or-later
"""The one description of the coloring options, free of ``bpy``.

Each field of :class:`ColorSettings` carries an :class:`OptionSpec` in its
metadata: the label and tooltip of the redo panel, the command line's flag
and help, the allowed values and the color modes it belongs to. The
operator's properties and its redo-panel draw (``operators.py``), and the
command line's arguments (``cli.py``) are made from these specs, and every
value is checked here, in ``ColorSettings.__post_init__``, so the panel, a
script and the command line refuse the same input with the same message.

Adding an option: one field here, plus its use in the core.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["int", "bool", "enum", "range", "string", "factor", "channels"]
EnumItem = tuple[str, str, str]

SEED_MIN, SEED_MAX = -(2**31), 2**31 - 1  # the operator's IntProperty is 32-bit
MAX_NAME_BYTES = 63  # Blender cuts longer attribute and palette names short

GRANULARITY_ITEMS: tuple[EnumItem, ...] = (
    ("FACE", "Face", "Every face its own color"),
    ("ISLAND", "Island", "Faces connected through shared vertices share a color"),
    ("UV_ISLAND", "UV Island", "Faces connected in the active UV map share a color (seams split)"),
    ("FACE_SET", "Face Set", "One color per sculpt face set (one for a mesh without face sets)"),
    ("OBJECT", "Object", "One color per object"),
    ("MATERIAL", "Material", "One color per material, the same on every mesh"),
    ("VERTEX", "Vertex", "One color per vertex, blending smoothly across faces"),
)
COLOR_MODE_ITEMS: tuple[EnumItem, ...] = (
    ("RGB", "RGB", "Uniform random red, green and blue"),
    ("HSV", "HSV", "Uniform in the Hue, Saturation and Value ranges"),
    ("PALETTE", "Palette", "Only the colors of a palette"),
    ("GRAYSCALE", "Grayscale", "Random grays"),
    ("DISTINCT", "Distinct", "Colors as far apart as possible, for ID maps"),
    ("JITTER", "Jitter", "Each group keeps its color, shifted by a little random hue, saturation and value"),
)
DOMAIN_ITEMS: tuple[EnumItem, ...] = (
    ("CORNER", "Corner", "A face-corner color attribute: every granularity, sharp edges between groups"),
    ("POINT", "Point", "A point color attribute: one color per vertex, for Per Vertex, Island or Object"),
)
CHANNEL_ITEMS: tuple[EnumItem, ...] = (
    ("R", "R", "Red"),
    ("G", "G", "Green"),
    ("B", "B", "Blue"),
    ("A", "A", "Alpha: random alpha (the same as Random Alpha)"),
)
GRANULARITIES = tuple(item[0] for item in GRANULARITY_ITEMS)
COLOR_MODES = tuple(item[0] for item in COLOR_MODE_ITEMS)
CHANNELS = "".join(item[0] for item in CHANNEL_ITEMS)
DOMAINS = tuple(item[0] for item in DOMAIN_ITEMS)
# Why a granularity cannot be held by a point attribute: a vertex may belong to two of its groups.
NOT_ON_POINTS = {
    "FACE": "a vertex shared by several faces would need one color for each",
    "UV_ISLAND": "a vertex on a UV seam belongs to two UV islands",
    "FACE_SET": "a vertex on a face set border belongs to two face sets",
    "MATERIAL": "a vertex where two materials meet belongs to both",
}


class ColorError(Exception):
    """A refusal to color; the message names what is wrong and where to act."""


@dataclass(frozen=True)
class OptionSpec:
    """How one option looks in the redo panel and on the command line.

    ``modes``: the color modes the option belongs to (empty: all). The
    panel shows it only in those; on the command line, giving it chooses
    the mode when ``--color-mode`` is not given; ``not_modes``: the modes it
    does not belong to (hidden there). ``ordered``: for a range, Min must not
    be above Max. ``part``: this option's place among the options that share
    one command-line flag (``--jitter H S V``). ``in_panel``: False for an
    option the redo panel leaves out (another control does its job).
    """

    kind: Kind
    label: str
    description: str
    flag: str
    metavar: str | None = None
    items: tuple[EnumItem, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    modes: tuple[str, ...] = ()
    ordered: bool = False
    not_modes: tuple[str, ...] = ()
    part: int | None = None
    in_panel: bool = True

    @property
    def choices(self) -> tuple[str, ...]:
        """The enum's identifiers, in order."""
        return tuple(item[0] for item in self.items)


def _option(default: Any, spec: OptionSpec) -> Any:
    # A dataclass field whose metadata holds the spec; typed Any so each field keeps its annotation.
    return field(default=default, metadata={"option": spec})


@dataclass(frozen=True)
class ColorSettings:
    """What to color and how. Field names are the operator's property names.

    Raises ColorError on construction when a value is not allowed.
    """

    seed: int = _option(0, OptionSpec(
        "int", "Seed",
        "Same seed, same colors. Each mesh mixes in its own name, so meshes differ",
        "--seed", "INT", minimum=SEED_MIN, maximum=SEED_MAX,
    ))
    granularity: str = _option("FACE", OptionSpec(
        "enum", "Per", "What shares one color", "--granularity", "WHAT", items=GRANULARITY_ITEMS,
    ))
    color_mode: str = _option("RGB", OptionSpec(
        "enum", "Colors", "How the colors are drawn", "--color-mode", "MODE", items=COLOR_MODE_ITEMS,
    ))
    hue_range: tuple[float, float] = _option((0.0, 1.0), OptionSpec(
        "range", "Hue", "Hue range, Min to Max, each in 0 to 1; a Min above the Max wraps through red",
        "--hue-range", minimum=0.0, maximum=1.0, modes=("HSV",),
    ))
    saturation_range: tuple[float, float] = _option((0.0, 1.0), OptionSpec(
        "range", "Saturation", "Saturation range, Min to Max, each in 0 to 1",
        "--saturation-range", minimum=0.0, maximum=1.0, modes=("HSV",), ordered=True,
    ))
    value_range: tuple[float, float] = _option((0.0, 1.0), OptionSpec(
        "range", "Value", "Value (brightness) range, Min to Max, each in 0 to 1",
        "--value-range", minimum=0.0, maximum=1.0, modes=("HSV",), ordered=True,
    ))
    palette_name: str = _option("", OptionSpec(
        "string", "Palette", "Palette to take the colors from. Empty: the Vertex Paint tool's palette",
        "--palette", "NAME", modes=("PALETTE",),
    ))
    jitter_hue: float = _option(0.05, OptionSpec(
        "factor", "Hue Jitter", "Largest hue shift either way, 0 to 1 (0.5 reaches the opposite hue)",
        "--jitter", "H", minimum=0.0, maximum=1.0, modes=("JITTER",), part=0,
    ))
    jitter_saturation: float = _option(0.1, OptionSpec(
        "factor", "Saturation Jitter", "Largest saturation shift either way, 0 to 1",
        "--jitter", "S", minimum=0.0, maximum=1.0, modes=("JITTER",), part=1,
    ))
    jitter_value: float = _option(0.1, OptionSpec(
        "factor", "Value Jitter", "Largest value (brightness) shift either way, 0 to 1",
        "--jitter", "V", minimum=0.0, maximum=1.0, modes=("JITTER",), part=2,
    ))
    random_alpha: bool = _option(False, OptionSpec(
        "bool", "Random Alpha", "Random alpha too, the same as channel A; off: opaque. "
        "The colors stay the same either way",
        "--random-alpha", not_modes=("JITTER",), in_panel=False,
    ))
    channels: str = _option("RGB", OptionSpec(
        "channels", "Channels",
        "Channels that get the new values; the others keep theirs. With R, G and B all on, "
        "the color is replaced whole (opaque unless A is on)",
        "--channels", "RGBA", items=CHANNEL_ITEMS,
    ))
    mix: float = _option(1.0, OptionSpec(
        "factor", "Mix", "How far to go from the color there toward the new one, in sRGB: "
        "0 keeps it, 1 replaces it",
        "--mix", "FACTOR", minimum=0.0, maximum=1.0,
    ))
    attribute_name: str = _option("", OptionSpec(
        "string", "Attribute",
        "Color attribute to write, on the chosen Domain. Empty: the active color attribute if it is "
        "on that domain, else a new one named \"Color\"",
        "--attribute", "NAME",
    ))
    domain: str = _option("CORNER", OptionSpec(
        "enum", "Domain", "Where the colors are stored", "--domain", "DOMAIN", items=DOMAIN_ITEMS,
    ))
    only_selected: bool = _option(False, OptionSpec(
        "bool", "Only Selected Faces",
        "Change only the selected faces (the Edit Mode selection), or with Domain Point the selected "
        "vertices; the others keep their colors",
        "--only-selected",
    ))

    def __post_init__(self) -> None:
        """Check every value against its spec, keeping the canonical form (tuples, upper case)."""
        for name, spec in option_specs():
            value = getattr(self, name)
            object.__setattr__(self, name, _checked(spec, value))
        # Random Alpha and channel A are one thing: either one turns on the other.
        if self.random_alpha or "A" in self.channels:
            object.__setattr__(self, "random_alpha", True)
            object.__setattr__(self, "channels", _checked_channels(self.channels + "A"))
        if self.domain == "POINT" and self.granularity in NOT_ON_POINTS:
            label = next(item[1] for item in GRANULARITY_ITEMS if item[0] == self.granularity)
            raise ColorError(
                f"Per {label} cannot be stored on points: {NOT_ON_POINTS[self.granularity]}. "
                "Choose Domain Corner, or Per Vertex, Island or Object"
            )

    @property
    def written_channels(self) -> tuple[bool, bool, bool, bool]:
        """Which of R, G, B, A get new values; the others keep theirs.

        R, G and B as chosen. Alpha when A is chosen (random alpha), and also
        when R, G and B all are: the color is then replaced whole, opaque
        unless alpha is random, as without channels. JITTER keeps alpha.
        """
        red, green, blue = (letter in self.channels for letter in "RGB")
        alpha = self.color_mode != "JITTER" and ("A" in self.channels or (red and green and blue))
        return (red, green, blue, alpha)

    @property
    def reads_current_colors(self) -> bool:
        """True when the result depends on the colors already there, which must then be read."""
        return self.color_mode == "JITTER" or self.mix < 1.0 or not all(self.written_channels)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ColorSettings:
        """Build from a mapping of option names (missing ones keep their defaults).

        Sequences become tuples and enum values are compared in upper case,
        so argparse's lists and an operator's property arrays both fit.
        """
        known = {name for name, _spec in option_specs()}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ColorError(f"Unknown option {', '.join(unknown)}")
        return cls(**dict(values))

    @classmethod
    def from_properties(cls, owner: object) -> ColorSettings:
        """Build from any object with attributes of the option names (an operator)."""
        return cls.from_values({name: getattr(owner, name) for name, _spec in option_specs()})


def option_specs() -> Iterator[tuple[str, OptionSpec]]:
    """Each option's name and spec, in the order the panel and ``--help`` show them."""
    for item in dataclasses.fields(ColorSettings):
        yield item.name, item.metadata["option"]


def default_of(name: str) -> Any:
    """The default value of option ``name``."""
    for item in dataclasses.fields(ColorSettings):
        if item.name == name:
            return item.default
    raise KeyError(name)


def applies(spec: OptionSpec, color_mode: str) -> bool:
    """True when an option matters in ``color_mode`` (what the redo panel shows)."""
    return (not spec.modes or color_mode in spec.modes) and color_mode not in spec.not_modes


def _number_text(value: float) -> str:
    return f"{value:g}"


def _checked_channels(value: Any) -> str:
    """Channel letters as one string in R, G, B, A order, or ColorError.

    Takes a string of letters (the command line's ``RGB``) or a collection of
    letters (the operator's set ``{'R', 'G'}``).
    """
    letters = list(value) if isinstance(value, str) else [str(item) for item in value]
    unknown = [letter for letter in letters if letter.upper() not in CHANNELS]
    if unknown:
        raise ColorError(f"Channels: '{unknown[0]}' is not one of {', '.join(CHANNELS)}")
    chosen = {letter.upper() for letter in letters}
    if not chosen:
        raise ColorError(f"Channels: choose at least one of {', '.join(CHANNELS)}")
    return "".join(letter for letter in CHANNELS if letter in chosen)


def _checked(spec: OptionSpec, value: Any) -> Any:
    """``value`` in the option's canonical type, or ColorError naming what is wrong."""
    label = spec.label
    if spec.kind == "channels":
        if not isinstance(value, (str, set, frozenset, list, tuple)):
            raise ColorError(f"{label} must be letters of {', '.join(CHANNELS)}, not {value!r}")
        return _checked_channels(value)
    if spec.kind == "factor":
        if isinstance(value, bool):
            raise ColorError(f"{label} must be a number, not {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ColorError(f"{label} must be a number, not {value!r}") from None
        lowest, highest = spec.minimum or 0.0, spec.maximum if spec.maximum is not None else 1.0
        if math.isnan(number) or not lowest <= number <= highest:
            raise ColorError(
                f"{label} {_number_text(number)} is outside {_number_text(lowest)} to {_number_text(highest)}"
            )
        return number
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ColorError(f"{label} must be a whole number, not {value!r}")
        low, high = int(spec.minimum or 0), int(spec.maximum or 0)
        if not low <= value <= high:
            raise ColorError(f"{label} {value} is outside {low} to {high}")
        return value
    if spec.kind == "bool":
        return bool(value)
    if spec.kind == "enum":
        text = str(value).upper()
        if text not in spec.choices:
            raise ColorError(f"{label} '{value}' is not one of {', '.join(spec.choices)}")
        return text
    if spec.kind == "string":
        if not isinstance(value, str):
            raise ColorError(f"{label} must be text, not {value!r}")
        size = len(value.encode("utf-8"))
        if size > MAX_NAME_BYTES:
            raise ColorError(
                f"{label} name '{value[:24]}...' is {size} bytes long; Blender keeps at most {MAX_NAME_BYTES}"
            )
        return value
    # A range: two numbers, Min and Max.
    try:
        low_value, high_value = (float(x) for x in value)
    except (TypeError, ValueError):
        raise ColorError(f"{label} range must be two numbers, Min and Max, not {value!r}") from None
    lowest, highest = spec.minimum or 0.0, spec.maximum if spec.maximum is not None else 1.0
    for which, number in (("Min", low_value), ("Max", high_value)):
        if math.isnan(number) or not lowest <= number <= highest:
            raise ColorError(
                f"{label} range: {which} {_number_text(number)} is outside "
                f"{_number_text(lowest)} to {_number_text(highest)}"
            )
    if spec.ordered and low_value > high_value:
        raise ColorError(
            f"{label} range: Min {_number_text(low_value)} is above Max {_number_text(high_value)}"
        )
    return (low_value, high_value)

# SPDX-License-Identifier: GPL-3.0-or-later
"""Which color attribute a mesh is colored in: checked, found or created, by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .options import DOMAIN_ITEMS, ColorError

if TYPE_CHECKING:
    from bpy.types import Mesh

COLOR_TYPES = frozenset({'FLOAT_COLOR', 'BYTE_COLOR'})
DEFAULT_ATTRIBUTE = "Color"
DOMAIN_LABELS = {item[0]: item[1] for item in DOMAIN_ITEMS}  # the domains written, as the panel names them


def check_attribute(mesh: Mesh, attribute_name: str, domain: str = 'CORNER') -> None:
    """Raise ColorError if ``attribute_name`` cannot be written on ``mesh`` on ``domain``.

    Changes nothing, so a caller can check every mesh before writing any.
    An empty name is always acceptable (see ``resolve_attribute``); the
    name's length is checked with the settings (``options``). ``domain`` is
    the settings' Domain, 'CORNER' or 'POINT': an existing attribute must be
    on it.
    """
    if not attribute_name:
        return
    existing = mesh.attributes.get(attribute_name)
    if existing is None:
        return
    if existing.data_type not in COLOR_TYPES:
        raise ColorError(
            f"Attribute '{attribute_name}' on mesh '{mesh.name}' is a {existing.data_type} attribute, "
            "not a color attribute: name another one, or leave Attribute empty"
        )
    if existing.domain != domain:
        other = DOMAIN_LABELS.get(existing.domain)
        choose = f"choose Domain {other}, " if other is not None else ""
        raise ColorError(
            f"Color attribute '{attribute_name}' on mesh '{mesh.name}' is on the {existing.domain} "
            f"domain, not {domain}: {choose}name another one, or leave Attribute empty"
        )


def resolve_attribute(mesh: Mesh, attribute_name: str, domain: str = 'CORNER') -> str:
    """Find or create the color attribute on ``domain`` ('CORNER' or 'POINT') to write; return its name.

    An empty ``attribute_name`` means the active color attribute when it is
    on ``domain``, else a new FLOAT_COLOR attribute there named "Color"
    (Blender adds a numeric suffix where that name is taken). A name that
    does not exist yet is created as a FLOAT_COLOR attribute on ``domain``.

    Returns the name, never the attribute: a Python reference to an attribute
    is invalidated by adding another one, so callers fetch it right before use.
    """
    check_attribute(mesh, attribute_name, domain)
    if attribute_name:
        if attribute_name in mesh.attributes:
            return attribute_name
        return _new_color_attribute(mesh, attribute_name, domain)
    active = mesh.color_attributes.active_color
    if active is not None and active.domain == domain and active.data_type in COLOR_TYPES:
        return active.name
    return _new_color_attribute(mesh, DEFAULT_ATTRIBUTE, domain)


def _new_color_attribute(mesh: Mesh, name: str, domain: str) -> str:
    attribute = mesh.color_attributes.new(name, 'FLOAT_COLOR', domain)  # type: ignore[arg-type]
    if attribute is None:
        raise ColorError(f"Blender could not create color attribute '{name}' on mesh '{mesh.name}'")
    return attribute.name

"""Config sections with one strict model per ``kind``: a pydantic discriminated union plus a legacy migration.

A section such as ``diffusion.schedule`` is one of several models, each holding only its kind's keys. Files and
checkpoints written before the split carry every key of every kind (a "flat bag", the unused ones at their
defaults or None); :func:`kind_union`'s ``mode="before"`` step drops such a key when it holds its old default and
rejects it otherwise, with a one-line error naming the key (rendered by ``config.base.format_validation_error``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

__all__ = ["KEY_ERROR", "key_error", "kind_union", "section_path"]

#: Error type of a bad key inside a kind union; ``ctx["key"]`` is the key relative to the section.
KEY_ERROR = "config_key"

#: Tags of every kind union by section name, so error paths can leave the tag out (``schedule.t32``, not
#: ``schedule.rg.t32``).
_TAGS: dict[str, frozenset[str]] = {}


def section_path(loc: tuple) -> list[str]:
    """A pydantic error location as config keys: the tag pydantic inserts after a kind-union section removed."""
    parts = [str(p) for p in loc]
    return [p for i, p in enumerate(parts) if not (i > 0 and p in _TAGS.get(parts[i - 1], ()))]


def key_error(key: str, message: str) -> PydanticCustomError:
    """A validation error about ``key`` (relative to the section being validated), rendered as one line."""
    return PydanticCustomError(KEY_ERROR, "{reason}", {"key": key, "reason": message})


def kind_union(
    section: str,
    members: tuple[type[BaseModel], ...],
    legacy_defaults: Mapping[str, Any],
    migrate: Callable[[type[BaseModel], dict[str, Any]], dict[str, Any]] | None = None,
) -> Any:
    """The annotated union of ``members`` discriminated by their ``kind`` literal, with the flat-bag migration.

    Parameters
    ----------
    section
        Name used in errors (``schedule``, ``colour``).
    members
        Strict models, each with a ``kind: Literal[...]`` field whose default is its tag; the first is the
        default kind when a mapping has no ``kind``.
    legacy_defaults
        The old flat model's default of every key: a key foreign to the chosen kind is dropped when it equals
        this value (None counts as a default too) and rejected otherwise.
    migrate
        Extra legacy rule ``(member, data) -> data`` run after the foreign keys are handled.
    """
    by_kind = {m.model_fields["kind"].default: m for m in members}
    default_kind = next(iter(by_kind))
    _TAGS[section] = frozenset(by_kind)
    every_key = {k for m in members for k in m.model_fields}

    def _before(data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data  # a member instance, or a wrong type pydantic reports itself
        data = dict(data)
        kind = data.setdefault("kind", default_kind)
        if kind not in by_kind:
            raise key_error("kind", f"unknown {section} kind {kind!r}; choose one of {', '.join(map(repr, by_kind))}")
        member = by_kind[kind]
        own = member.model_fields
        for key in list(data):
            if key in own:
                continue
            if key in legacy_defaults and (data[key] is None or data[key] == legacy_defaults[key]):
                del data[key]  # an unused key of a resolved flat-bag dump
            elif key in every_key:
                raise key_error(key, f"{key} not used by {section} kind {kind!r} (its keys: {', '.join(sorted(own))})")
            else:
                raise key_error(
                    key, f"unknown key {key!r} for {section} kind {kind!r} (its keys: {', '.join(sorted(own))})"
                )
        if migrate is not None:
            data = migrate(member, data)
        for key, field in own.items():
            if field.is_required() and key not in data:
                raise key_error(key, f"{key} is required for {section} kind {kind!r}")
        return data

    return Annotated[Union[members], Field(discriminator="kind"), BeforeValidator(_before)]  # noqa: UP007

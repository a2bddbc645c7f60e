"""Strict pydantic base model and YAML loading with one-line errors naming key and file."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from protein_rgdm import __version__
from protein_rgdm.config.kinds import KEY_ERROR, section_path
from protein_rgdm.errors import ConfigError
from protein_rgdm.fileio import atomic_write_text

__all__ = ["StrictModel", "load_config", "dump_config", "load_yaml_mapping", "format_validation_error", "git_commit"]

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base of every config: unknown keys are errors, values are validated strictly, objects are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def format_validation_error(err: ValidationError, source: str) -> str:
    """One line naming each offending key (dotted path) and what is wrong with it."""
    parts = []
    for e in err.errors():
        key = ".".join(section_path(e["loc"])) or "<root>"
        if e["type"] == KEY_ERROR:
            parts.append(f"key '{key + '.' if e['loc'] else ''}{e['ctx']['key']}': {e['msg']}")
        elif e["type"] == "extra_forbidden":
            parts.append(f"unknown key '{key}'")
        elif e["type"] == "missing":
            parts.append(f"missing key '{key}'")
        else:
            parts.append(f"key '{key}': {e['msg']} (got {e.get('input')!r})")
    return f"{source}: invalid config: " + "; ".join(parts)


def load_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:  # a binary or Latin-1 file is not a config either
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data


def load_config(
    cls: type[M], path: str | Path | None = None, *, section: str | None = None, overrides: dict[str, Any] | None = None
) -> M:
    """Build a ``cls`` from a YAML file (optionally one top-level ``section`` of it) plus overrides.

    Parameters
    ----------
    cls
        The pydantic model of the stage.
    path
        YAML file; ``None`` means all defaults.
    section
        When given and present in the file, only that mapping is used (so one workflow YAML can
        hold every stage's config under its stage name).
    overrides
        Values that win over the file (e.g. from CLI flags); ``None`` values are ignored.
    """
    source = str(path) if path is not None else "<defaults>"
    data: dict[str, Any] = load_yaml_mapping(path) if path is not None else {}
    if section is not None and section in data:
        data = data[section] or {}
        source = f"{source} [{section}]"
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: section must be a mapping")
    data = dict(data)
    for key, value in (overrides or {}).items():
        if value is not None:
            data[key] = value
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source)) from None


def git_commit() -> str | None:
    """The current git commit of the package source tree, or None outside a checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def dump_config(config: BaseModel, path: str | Path, *, stage: str | None = None) -> None:
    """Write the resolved config (every default filled in) as YAML beside a stage output, atomically."""
    payload: dict[str, Any] = {"protein_rgdm_version": __version__, "git_commit": git_commit()}
    if stage:
        payload["stage"] = stage
    payload["config"] = config.model_dump(mode="json")
    atomic_write_text(path, yaml.safe_dump(payload, sort_keys=False))

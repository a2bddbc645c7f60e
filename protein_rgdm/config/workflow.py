"""Checks of the workflow config beyond its JSON schema, and the per-stage config files.

The JSON schema (``workflows/schemas/config.schema.yaml``) fixes the top-level keys; here each
stage section is validated by the stage's own pydantic model (so a typo in ``train:`` stops the
workflow before any job runs), and the files the config names are checked to exist.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from protein_rgdm.config.base import format_validation_error
from protein_rgdm.errors import ConfigError
from protein_rgdm.fileio import atomic_write_text

__all__ = ["STAGES", "STAGE_MODELS", "check_workflow_config", "merge_sections", "stage_model", "write_stage_config"]

#: The stages in workflow order; each is a config section and a `protein-rgdm` command.
STAGES = ("fetch", "featurize", "split", "embed", "bases", "train", "predict", "evaluate", "report")

#: Pydantic model of each stage section: (module, class name).
STAGE_MODELS: dict[str, tuple[str, str]] = {
    "fetch": ("protein_rgdm.config.data", "FetchConfig"),
    "featurize": ("protein_rgdm.config.data", "FeaturizeConfig"),
    "split": ("protein_rgdm.config.data", "SplitConfig"),
    "embed": ("protein_rgdm.config.embed", "EmbedConfig"),
    "bases": ("protein_rgdm.config.diffusion", "BasesConfig"),
    "train": ("protein_rgdm.config.train", "TrainConfig"),
    "predict": ("protein_rgdm.config.predict", "PredictConfig"),
    "evaluate": ("protein_rgdm.config.evaluate", "EvaluateConfig"),
    "report": ("protein_rgdm.config.evaluate", "ReportConfig"),
}


def stage_model(stage: str):
    """The pydantic class validating ``stage``'s section, or None when that stage is not installed."""
    module_name, cls_name = STAGE_MODELS[stage]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, cls_name, None)


def _needs_training(config: dict[str, Any]) -> bool:
    return config.get("checkpoint") is None


def check_workflow_config(config: dict[str, Any], source: str = "workflow config") -> None:
    """Validate every stage section and the files the config names; raise ``ConfigError`` naming the key.

    Parameters
    ----------
    config
        The workflow config after JSON-schema validation (defaults filled in).
    source
        Name of the config, for messages.
    """
    for stage in STAGES:
        cls = stage_model(stage)
        if cls is None:
            continue
        try:
            cls.model_validate(config.get(stage) or {})
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, f"{source} [{stage}]")) from None
    data = config.get("data") or {}
    targets = config.get("targets") or {}
    if _needs_training(config):
        ids = data.get("ids")
        if ids is not None:
            path = Path(ids)
            if not path.is_file():
                raise ConfigError(f"{source}: key 'data.ids': file not found: {ids}")
            if not any(line.strip() and not line.lstrip().startswith("#") for line in path.read_text().splitlines()):
                raise ConfigError(f"{source}: key 'data.ids': {ids} lists no ids")
        if ids is None:
            raise ConfigError(f"{source}: key 'data.ids' is required to train (or give 'checkpoint')")
        fetch = config.get("fetch") or {}
        local = fetch.get("local_dir")
        if fetch.get("source") == "local" and local and not Path(local).is_dir():
            raise ConfigError(f"{source}: key 'fetch.local_dir': no such directory: {local}")
    else:
        if not Path(config["checkpoint"]).is_file():
            raise ConfigError(f"{source}: key 'checkpoint': file not found: {config['checkpoint']}")
    if not isinstance(targets, dict) or not targets:
        raise ConfigError(f"{source}: key 'targets': name at least one target set (e.g. targets: {{test: {{split: test}}}})")
    report_cls = stage_model("report")
    for name, tset in targets.items():
        _check_target_set(config, source, name, tset or {}, report_cls)
    if config.get("ablation"):
        _check_ablation(config, source)


def _check_ablation(config: dict[str, Any], source: str) -> None:
    """Each variant's merged train section validates; step budgets are unique; something is evaluated."""
    ablation = config["ablation"]
    if not _needs_training(config):
        raise ConfigError(f"{source}: key 'ablation' trains its variants: remove 'checkpoint'")
    train_cls = stage_model("train")
    for name, keys in (ablation.get("variants") or {}).items():
        if train_cls is None:
            break
        try:
            train_cls.model_validate(merge_sections(config.get("train") or {}, keys or {}))
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, f"{source} [ablation.variants.{name} over train]")) from None
    steps = [str(s) for s in ablation.get("steps", ["full"])]
    if len(set(steps)) != len(steps):
        raise ConfigError(f"{source}: key 'ablation.steps' lists a step budget twice: {steps}")
    if not any((t or {}).get("evaluate", True) for t in (config.get("targets") or {}).values()):
        raise ConfigError(f"{source}: key 'ablation' compares evaluated runs: no target set has 'evaluate: true'")


def _check_target_set(config: dict[str, Any], source: str, name: str, tset: dict[str, Any], report_cls) -> None:
    """Files, length bounds and report keys of one target set; raise ``ConfigError`` naming ``targets.<name>.<key>``."""
    key = f"targets.{name}"
    for field in ("sequences", "references"):
        value = tset.get(field)
        if value is not None and not Path(value).exists():
            raise ConfigError(f"{source}: key '{key}.{field}': not found: {value}")
    if tset.get("evaluate", True) and tset.get("references") is None:
        raise ConfigError(f"{source}: key '{key}.references' is required when '{key}.evaluate' is true")
    if not _needs_training(config) and tset.get("sequences") is None:
        raise ConfigError(f"{source}: key '{key}.sequences' is required with a given checkpoint (no split is made)")
    lo, hi = tset.get("min_length"), tset.get("max_length")
    if lo is not None and hi is not None and lo > hi:
        raise ConfigError(f"{source}: key '{key}': min_length {lo} > max_length {hi}")
    if report_cls is not None:
        merged = {**(config.get("report") or {}), **(tset.get("report") or {})}
        try:
            report_cls.model_validate(merged)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, f"{source} [{key}.report]")) from None


def merge_sections(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` on top: nested mappings merged key by key, anything else replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_sections(out[key], value)
        else:
            out[key] = value
    return out


def write_stage_config(path: str | Path, stage: str, section: dict[str, Any] | None) -> None:
    """Write ``{stage: section}`` as YAML, atomically: the file a rule passes to ``--config``."""
    atomic_write_text(path, yaml.safe_dump({stage: dict(section or {})}, sort_keys=False))

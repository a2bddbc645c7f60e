"""Every shipped config in configs/ loads and validates.

Workflow configs (a top-level ``run`` key: demo, tiny, cameo2022, pdb) must pass the workflow
JSON schema, and each of their stage sections the stage's pydantic model, read from the very
file the workflow hands to the stage command. Single-stage example configs (``fetch.yaml``, ...)
must pass the model of every stage section they hold.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from protein_rgdm.config.base import load_config
from protein_rgdm.config.workflow import STAGES, stage_model, write_stage_config

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))
WORKFLOW_CONFIGS = [p for p in CONFIGS if "run" in (yaml.safe_load(p.read_text()) or {})]
SCHEMA = REPO / "workflows" / "schemas" / "config.schema.yaml"


def test_the_shipped_configs_are_there():
    assert {p.name for p in WORKFLOW_CONFIGS} >= {"demo.yaml", "tiny.yaml", "cgdms.yaml", "ablation.yaml", "cameo2022.yaml", "pdb.yaml"}


@pytest.mark.parametrize("path", WORKFLOW_CONFIGS, ids=lambda p: p.name)
def test_config_passes_the_workflow_schema(path: Path):
    from snakemake.utils import validate

    config = yaml.safe_load(path.read_text())
    validate(copy.deepcopy(config), str(SCHEMA))
    assert set(config) - {"run", "data", "checkpoint", "targets", "resources", "ablation"} <= set(STAGES)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_stage_section_validates_with_its_model(path: Path, stage: str, tmp_path: Path):
    cls = stage_model(stage)
    if cls is None:
        pytest.skip(f"stage '{stage}' config model not installed in this checkout")
    config = yaml.safe_load(path.read_text())
    if "run" not in config:  # a single-stage example config: validate the sections it has
        if stage not in config:
            pytest.skip(f"{path.name} has no '{stage}' section")
        assert isinstance(load_config(cls, path, section=stage), cls)
        return
    # The file the workflow hands to `protein-rgdm <stage> --config`, loaded as the command does.
    stage_file = tmp_path / f"{stage}.yaml"
    write_stage_config(stage_file, stage, config.get(stage))
    cfg = load_config(cls, stage_file, section=stage)
    assert isinstance(cfg, cls)


def test_schema_rejects_unknown_keys_and_describes_every_key():
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    with pytest.raises(WorkflowError):
        validate({"run": "x", "typo_key": 1}, str(SCHEMA))
    with pytest.raises(WorkflowError):
        validate({"run": "x", "data": {"idz": "a.txt"}}, str(SCHEMA))

    def walk(node, where):
        for key, sub in (node.get("properties") or {}).items():
            assert sub.get("description"), f"schema key {where}{key} has no description"
            walk(sub, f"{where}{key}.")

    walk(yaml.safe_load(SCHEMA.read_text()), "")

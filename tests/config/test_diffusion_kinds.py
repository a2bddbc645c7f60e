"""Per-kind schedule / colour configs (config.kinds, config.diffusion): strict members, the flat-bag migration.

``flat_configs_a7d6596.json`` holds configs written by the flat ``ScheduleConfig`` / ``ColourConfig`` (git
a7d6596): for each case the input and ``DiffusionConfig.model_validate(input).model_dump(mode="json")`` as a
resolved config.yaml or a checkpoint's ``config_json`` stores it, and the demo run's checkpoint ``config_json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from protein_rgdm.config.base import load_config
from protein_rgdm.config.diffusion import (
    COLOUR_CONFIGS,
    SCHEDULE_CONFIGS,
    DDPMScheduleConfig,
    DiffusionConfig,
    HarmonicScheduleConfig,
    RGScheduleConfig,
)
from protein_rgdm.config.train import TrainConfig
from protein_rgdm.diffusion import Diffusion
from protein_rgdm.errors import ConfigError
from protein_rgdm.artifacts.checkpoint import check_config_fits

FLAT = json.loads((Path(__file__).parent / "flat_configs_a7d6596.json").read_text())
CASES = FLAT["cases"]
#: Accepted by the flat model, which silently ignored t32 / tau: now an error naming the key.
REJECTED = {"schedule_ddpm_steps": "schedule.t32"}


def _load(tmp_path: Path, section: dict, name: str = "d.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"diffusion": section}))
    return load_config(DiffusionConfig, path, section="diffusion")


@pytest.mark.parametrize("case", sorted(set(CASES) - set(REJECTED)))
def test_flat_dump_of_every_kind_loads_as_its_input(case, tmp_path):
    dump, given = CASES[case]["dump"], CASES[case]["input"]
    assert set(dump["schedule"]) == {"kind", "t32", "n0", "tau", "steps", "width", "softness", "window", "ordering",
                                     "beta_start", "beta_end", "reference_steps"}  # fmt: skip
    cfg = _load(tmp_path, dump)
    assert cfg == DiffusionConfig.model_validate(given)
    schedule, colour = cfg.schedule, cfg.colour
    assert type(schedule) is SCHEDULE_CONFIGS[dump["schedule"]["kind"]]
    assert type(colour) is COLOUR_CONFIGS[dump["colour"]["kind"]]
    for section in ("schedule", "colour"):
        for key, value in given.get(section, {}).items():
            assert cfg.model_dump()[section][key] == value
    # only the kind's keys remain, and the new dump reloads to the same config
    assert set(cfg.model_dump()["schedule"]) == set(type(schedule).model_fields)
    assert "spectrum_path" not in cfg.model_dump()["colour"] or colour.kind == "fitted"
    assert DiffusionConfig.model_validate(cfg.model_dump(mode="json")) == cfg
    # the same schedule and colour strategies as before (same step counts and powers)
    if colour.kind != "fitted":
        diff = Diffusion.from_config(cfg)
        assert diff.schedule.kind == schedule.kind and diff.num_steps(50) >= 2


def test_flat_dump_with_t32_and_steps_is_now_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"key 'schedule\.t32': t32 given together with steps"):
        _load(tmp_path, CASES["schedule_ddpm_steps"]["dump"])


def test_demo_checkpoint_config_loads_and_still_fits_its_config(repo_root):
    stored = TrainConfig.model_validate(json.loads(FLAT["demo_checkpoint_config_json"]))
    assert isinstance(stored.diffusion.schedule, RGScheduleConfig) and stored.diffusion.schedule.t32 == 80
    # a run resumed with the same train section must pass the resume check against the old checkpoint
    current = load_config(TrainConfig, repo_root / "configs" / "demo.yaml", section="train")
    check_config_fits(stored, current, "demo checkpoint")
    assert stored == current
    changed = load_config(TrainConfig, overrides={**current.model_dump(), "diffusion": {"schedule": {"t32": 40}}})
    with pytest.raises(ConfigError, match=r"diffusion\.schedule\.t32 \(80 in checkpoint vs 40\)"):
        check_config_fits(stored, changed, "demo checkpoint")


@pytest.mark.parametrize(
    ("schedule", "pattern"),
    [
        ({"kind": "harmonic", "steps": 40, "t32": 60}, r"key 'schedule\.t32': t32 given together with steps"),
        ({"kind": "ddpm", "steps": 40, "tau": 3.0}, r"key 'schedule\.tau': tau given together with steps"),
        ({"kind": "rg", "steps": 40}, r"key 'schedule\.steps': steps not used by schedule kind 'rg'"),
        ({"kind": "rg", "width": 1.5}, r"key 'schedule\.width': width not used"),
        ({"kind": "sigmoid", "typo": 1}, r"key 'schedule\.typo': unknown key 'typo' for schedule kind 'sigmoid'"),
        ({"kind": "cosine"}, r"key 'schedule\.kind': unknown schedule kind 'cosine'"),
        ({"kind": "soft", "t32": 1}, r"key 'schedule\.t32': Input should be greater than or equal to 2"),
    ],
)
def test_bad_schedule_is_one_line_naming_the_key(schedule, pattern, tmp_path):
    with pytest.raises(ConfigError, match=pattern) as err:
        _load(tmp_path, {"schedule": schedule})
    assert "\n" not in str(err.value) and str(tmp_path / "d.yaml") in str(err.value)


def test_colour_members_hold_only_their_keys(tmp_path):
    with pytest.raises(ConfigError, match=r"key 'colour\.spectrum_path': spectrum_path is required for colour kind"):
        _load(tmp_path, {"colour": {"kind": "fitted"}})
    with pytest.raises(ConfigError, match=r"key 'colour\.variance': variance not used by colour kind 'free'"):
        _load(tmp_path, {"colour": {"kind": "free", "variance": 2.0}})
    white = _load(tmp_path, {"colour": {"kind": "white", "variance": 2.0, "c": None}}).colour
    assert white.model_dump() == {"kind": "white", "variance": 2.0}


def test_kind_defaults_and_steps_rule_on_the_members():
    assert DiffusionConfig.model_validate({"schedule": {"t32": 40}}).schedule == RGScheduleConfig(t32=40)
    assert DiffusionConfig.model_validate({"colour": {"c": 5.0}}).colour.kind == "free"
    # a member's own dump (t32 at its default beside steps) reloads; t32 set explicitly with steps does not
    ddpm = DDPMScheduleConfig(steps=30)
    assert DiffusionConfig.model_validate({"schedule": ddpm.model_dump()}).schedule == ddpm
    with pytest.raises(ValueError, match="t32 and steps both given"):
        HarmonicScheduleConfig(steps=30, t32=80)
    assert HarmonicScheduleConfig(t32=50).t32 == 50

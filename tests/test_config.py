"""config/base.py loading errors name the key and the file; the data stage configs load."""

from __future__ import annotations

from pathlib import Path

import pytest

from protein_rgdm.config.base import dump_config, load_config
from protein_rgdm.config.data import FeaturizeConfig, FetchConfig, SplitConfig
from protein_rgdm.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("cls, name", [(FetchConfig, "fetch"), (FeaturizeConfig, "featurize"), (SplitConfig, "split")])
def test_shipped_data_configs_load(cls, name):
    cfg = load_config(cls, REPO / "configs" / f"{name}.yaml", section=name)
    assert isinstance(cfg, cls)
    # every key in the file is documented by a comment
    for line in (REPO / "configs" / f"{name}.yaml").read_text().splitlines():
        if (
            ":" in line
            and not line.lstrip().startswith("#")
            and line.startswith("  ")
            and not line.rstrip().endswith(":")
        ):
            assert "#" in line, line


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("featurize:\n  filters:\n    max_lenght: 10\n")
    with pytest.raises(ConfigError) as err:
        load_config(FeaturizeConfig, path, section="featurize")
    assert "filters.max_lenght" in str(err.value) and str(path) in str(err.value)


def test_wrong_type_and_constraint(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("workers: many\n")
    with pytest.raises(ConfigError, match=r"key 'workers'.*many"):
        load_config(FetchConfig, path, section="fetch")
    path.write_text("mode: cluster\nfractions: {train: 0.9, val: 0.3}\n")
    with pytest.raises(ConfigError, match="sum to 1"):
        load_config(SplitConfig, path)
    path.write_text("source: local\n")
    with pytest.raises(ConfigError, match="local_dir"):
        load_config(FetchConfig, path)


def test_missing_file_bad_yaml_and_non_mapping(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(FetchConfig, tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(FetchConfig, bad)
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(FetchConfig, bad)


def test_overrides_win_and_resolved_config_is_written(tmp_path):
    cfg = load_config(
        FetchConfig, REPO / "configs" / "fetch.yaml", section="fetch", overrides={"workers": 2, "retries": None}
    )
    assert cfg.workers == 2 and cfg.retries == 3
    dump_config(cfg, tmp_path / "resolved.yaml", stage="fetch")
    import yaml

    data = yaml.safe_load((tmp_path / "resolved.yaml").read_text())
    assert data["stage"] == "fetch" and data["config"]["workers"] == 2
    assert load_config(FetchConfig, None, overrides=data["config"]) == cfg


def test_a_binary_config_is_a_config_error(tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"featurize:\n  workers: \xff\xfe\x00\x01\n")
    with pytest.raises(ConfigError, match=r"bin\.yaml: not valid YAML"):
        load_config(FeaturizeConfig, path, section="featurize")

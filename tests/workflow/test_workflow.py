"""The workflow: lint, dry runs of the shipped configs, config errors, re-runs on changed settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


def _overrides(folder: Path, values: dict) -> str:
    """A config file merged over the main one (snakemake merges nested mappings key by key)."""
    path = folder / f"override_{abs(hash(repr(values)))}.yaml"
    path.write_text(yaml.safe_dump(values))
    return str(path)


def _jobs(stdout: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run as {rule: count}."""
    lines = stdout.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Job stats"))
    jobs = {}
    for ln in lines[start + 3 :]:
        parts = ln.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    return jobs


def test_lint_passes(smk):
    out = smk(REPO, "--lint")
    assert out.returncode == 0, out.stdout + out.stderr


def test_demo_is_the_default_and_runs_every_stage(workdir: Path, smk):
    out = smk(workdir, "-n")
    assert out.returncode == 0, out.stderr
    jobs = _jobs(out.stdout)
    for rule in ("fetch", "featurize", "split", "embed", "bases", "train", "select_targets", "predict", "evaluate",
                 "report"):  # fmt: skip
        assert jobs.get(rule) == 1, jobs
    assert "results/demo/report/test/report.md" in out.stdout


def test_pdb_config_dry_run(workdir: Path, smk):
    extra = _overrides(workdir, {"data": {"ids": str(FIXTURES / "pdb_ids.txt")}})
    out = smk(workdir, "-n", "--configfile", "configs/pdb.yaml", extra)
    assert out.returncode == 0, out.stderr
    jobs = _jobs(out.stdout)
    assert jobs["fetch"] == 1 and jobs["featurize"] == 1 and jobs["train"] == 1 and jobs["predict"] == 1
    assert "evaluate" not in jobs  # the benchmark is configs/cameo2022.yaml
    assert "gpu=1" in out.stdout


def test_cameo_config_dry_run_uses_the_given_checkpoint(workdir: Path, tmp_path: Path, smk):
    ckpt = tmp_path / "given.pt"
    ckpt.write_bytes(b"not read in a dry run")
    shared = REPO.parent / "shared" / "data" / "eigenfold"
    if shared.is_dir():  # the config's own ../shared/data paths, seen from the scratch folder
        paths = {"sequences": str(shared / "splits" / "cameo2022.csv"), "references": str(shared / "structures")}
    else:  # the bundled subset of the same files
        paths = {"sequences": "data/demo/cameo2022/cameo2022.csv", "references": "data/demo/cameo2022/structures"}
    extra = _overrides(workdir, {"checkpoint": str(ckpt), "targets": {"cameo2022": paths}})
    out = smk(workdir, "-n", "--configfile", "configs/cameo2022.yaml", extra)
    assert out.returncode == 0, out.stderr
    assert set(_jobs(out.stdout)) == {
        "stage_config", "report_config", "select_targets", "predict", "evaluate", "report", "all"
    }  # fmt: skip
    assert str(ckpt) in out.stdout


def test_cgdms_config_runs_two_target_sets(workdir: Path, smk):
    shared = REPO.parent / "shared" / "data"
    if not (shared / "cgdms" / "chains.csv").is_file() or not (shared / "eigenfold").is_dir():
        pytest.skip("../shared/data not present")
    cgdms, eigenfold = shared / "cgdms", shared / "eigenfold"
    paths = {  # the config's ../shared/data paths, seen from the scratch folder
        "data": {"ids": str(cgdms / "chains.csv")},
        "fetch": {"local_dir": str(cgdms / "structures")},
        "featurize": {"metadata": [str(cgdms / "chains.csv")]},
        "split": {"fixed": {"table": str(cgdms / "chains.csv"), "column": "split", "splits": {"val": "test"}}},
        "targets": {
            "heldout": {"split": "test", "references": str(cgdms / "structures")},
            "cameo100": {"sequences": str(eigenfold / "splits" / "cameo2022.csv"),
                         "references": str(eigenfold / "structures"), "max_length": 100},
        },
    }  # fmt: skip
    out = smk(workdir, "-n", "-p", "--configfile", "configs/cgdms.yaml", _overrides(workdir, paths))
    assert out.returncode == 0, out.stderr
    jobs = _jobs(out.stdout)
    assert jobs["train"] == 1 and jobs["split"] == 1
    for rule in ("select_targets", "predict", "evaluate", "report", "report_config"):
        assert jobs[rule] == 2, jobs
    for name in ("heldout", "cameo100"):
        assert f"results/cgdms/report/{name}/report.md" in out.stdout
    assert "--max-length 100" in out.stdout

    # the ablation overlay: four variants trained, 4 x 4 prediction runs per target set, one comparison each
    out = smk(workdir, "-n", "-p", "--configfile", "configs/cgdms.yaml", "configs/ablation.yaml",
              _overrides(workdir, {**paths, "run": "ablation"}))  # fmt: skip
    assert out.returncode == 0, out.stderr
    jobs = _jobs(out.stdout)
    assert jobs["ablation_train"] == 4 and jobs["split"] == 1 and jobs["bases"] == 1 and "train" not in jobs
    assert jobs["ablation_predict"] == 32 and jobs["ablation_evaluate"] == 32 and jobs["ablation_compare"] == 2
    for name in ("heldout", "cameo100"):
        assert f"results/ablation/ablation/compare/{name}/comparison.md" in out.stdout


BAD_CONFIGS = [
    ({"data": {"ids": "configs/ids/missing.csv"}}, "key 'data.ids': file not found"),
    ({"data": {"ids": str(FIXTURES / "empty_ids.txt")}}, "lists no ids"),
    ({"predict": {"num_samples": 0}}, "[predict]: invalid config: key 'num_samples'"),
    ({"predict": {"bogus": 1}}, "unknown key 'bogus'"),
    ({"targets": {"test": {"references": "nowhere/"}}}, "key 'targets.test.references': not found"),
    ({"targets": {"test": {"split": "test"}}}, "key 'targets.test.references' is required"),
    ({"targets": {"x": {"references": "data", "min_length": 50, "max_length": 20}}}, "'targets.x': min_length 50 >"),
    ({"targets": {"x": {"references": "data", "report": {"titel": "a"}}}}, "[targets.x.report]"),
    ({"checkpoint": "missing.pt"}, "key 'checkpoint': file not found"),
    ({"ablation": {"variants": {"bad": {"diffusion": {"schedule": {"kind": "nope"}}}}}},
     "[ablation.variants.bad over train]"),
    ({"ablation": {"variants": {"rg": {}}, "steps": [10, 10]}}, "lists a step budget twice"),
    ({"checkpoint": str(FIXTURES / "pdb_ids.txt"), "targets": {"test": {"sequences": None, "evaluate": False}}},
     "'targets.test.sequences' is required"),
]


@pytest.mark.parametrize("override, message", BAD_CONFIGS)
def test_config_checks_name_the_key(override: dict, message: str, monkeypatch):
    from protein_rgdm.config.workflow import check_workflow_config
    from protein_rgdm.errors import ConfigError

    monkeypatch.chdir(REPO)
    config = yaml.safe_load((REPO / "configs/demo.yaml").read_text())
    for key, value in override.items():
        config[key] = {**config[key], **value} if isinstance(value, dict) and key in config and key != "targets" else value
    with pytest.raises(ConfigError) as err:
        check_workflow_config(config)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "override, message",
    [({"data": {"ids": "configs/ids/missing.csv"}}, "key 'data.ids': file not found"), ({"trian": {}}, "trian")],
)
def test_bad_config_stops_the_workflow_before_any_job(workdir: Path, override: dict, message: str, smk):
    out = smk(workdir, "-n", "--configfile", "configs/demo.yaml", _overrides(workdir, override))
    assert out.returncode != 0
    assert message in out.stderr + out.stdout, out.stderr + out.stdout
    assert not (workdir / "results").exists()


def test_changing_a_section_reruns_that_stage_only(workdir: Path, smk):
    targets = [f"results/demo/configs/{s}.yaml" for s in ("train", "predict")]
    out = smk(workdir, *targets, "--cores", "1", "--configfile", "configs/demo.yaml")
    assert out.returncode == 0, out.stderr
    written = yaml.safe_load((workdir / targets[1]).read_text())
    assert written == {"predict": yaml.safe_load((REPO / "configs/demo.yaml").read_text())["predict"]}
    out = smk(workdir, *targets, "-n", "--configfile", "configs/demo.yaml")
    assert "Nothing to be done" in out.stdout + out.stderr
    changed = _overrides(workdir, {"predict": {"num_samples": 2}})
    out = smk(workdir, *targets, "-n", "--configfile", "configs/demo.yaml", changed)
    assert _jobs(out.stdout) == {"stage_config": 1}, out.stdout
    assert "results/demo/configs/predict.yaml" in out.stdout and "params" in out.stdout.lower()

# Shared names and helpers of every stage: run folders, per-stage config files, resources.
import os
import sys

from protein_rgdm.config.workflow import check_workflow_config

check_workflow_config(config)

RUN = config["run"]
RESULTS = f"results/{RUN}"
LOGS = f"logs/{RUN}"
CHECKPOINT_GIVEN = config.get("checkpoint") is not None
TARGET_SETS = config.get("targets") or {}
CONDA_ENV = "envs/protein-rgdm.yaml"
# The CLI: $PROTEIN_RGDM, else the one installed beside the Python running snakemake (so
# `.venv/bin/snakemake` works without activating .venv), else `protein-rgdm` from PATH.
_BESIDE = os.path.join(os.path.dirname(sys.executable), "protein-rgdm")
PRGDM = os.environ.get("PROTEIN_RGDM") or (_BESIDE if os.path.exists(_BESIDE) else "protein-rgdm")


def thread_env(wildcards, threads):
    """Environment prefix so a job uses the threads it was given (torch / BLAS default to every core)."""
    return f"OMP_NUM_THREADS={threads} MKL_NUM_THREADS={threads} OPENBLAS_NUM_THREADS={threads}"


def resume_guard(wildcards, input, output):
    """Shell that keeps train/last.pt (resume after an interruption) only when it was made from the
    same train section and splits; otherwise removes it so training starts afresh. The time budget
    (max_time_s, a top-level key of the block-style stage file) is left out of the comparison: a
    run with a larger budget continues a budgeted one."""
    out_dir = os.path.dirname(output[0])
    return (
        f"mkdir -p {out_dir} && key=$(grep -v '^  max_time_s:' {input.cfg} | cat - {input.train} {input.val}"
        " | sha256sum | cut -c1-64)"
        f' && {{ [ "$(cat {out_dir}/resume.key 2>/dev/null)" = "$key" ] || rm -f {out_dir}/last.pt; }}'
        f" && echo $key > {out_dir}/resume.key"
    )


def stage_config(stage):
    """Path of the resolved config file of `stage` (the workflow config's section)."""
    return f"{RESULTS}/configs/{stage}.yaml"


def res(rule_name, key, default):
    """A resource of `rule_name` from config['resources'], falling back to 'default', then `default`."""
    table = config.get("resources", {})
    return table.get(rule_name, {}).get(key, table.get("default", {}).get(key, default))


def checkpoint_path():
    """The checkpoint predict uses: the given one, or the one this run trains."""
    return config["checkpoint"] if CHECKPOINT_GIVEN else f"{RESULTS}/train/checkpoint.pt"


def final_outputs():
    """The targets of the default target: per target set, its report when evaluated, else its prediction summary;
    with an ``ablation`` section, its comparison per evaluated target set instead."""
    if config.get("ablation"):
        return [f"{RESULTS}/ablation/compare/{name}/comparison.md" for name, t in TARGET_SETS.items() if t.get("evaluate", True)]
    outs = []
    for name, tset in TARGET_SETS.items():
        if tset.get("evaluate", True):
            outs.append(f"{RESULTS}/report/{name}/report.md")
        else:
            outs.append(f"{RESULTS}/predict/{name}/summary.csv")
    return outs


def train_launcher(wildcards, resources):
    """`protein-rgdm`, or torchrun over resources.gpu processes when training on more than one GPU."""
    if int(resources.gpu) > 1:
        torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
        torchrun = torchrun if os.path.exists(torchrun) else "torchrun"
        return f"{torchrun} --standalone --nproc_per_node {int(resources.gpu)} -m protein_rgdm"
    return PRGDM


def target_set(wildcards):
    """The config entry of the target set named by the ``tset`` wildcard."""
    return TARGET_SETS[wildcards.tset]


def target_source(wildcards):
    """The sequences a target set selects from: its ``sequences`` file, or the split table named by ``split``."""
    tset = target_set(wildcards)
    return tset.get("sequences") or f"{RESULTS}/splits/{tset.get('split', 'test')}.csv"


def target_references(wildcards):
    """The reference structure folder of a target set."""
    return target_set(wildcards)["references"]


def length_options(wildcards):
    """``--min-length`` / ``--max-length`` of ``protein-rgdm targets`` for a target set."""
    tset = target_set(wildcards)
    opts = [f"--{key.replace('_', '-')} {int(tset[key])}" for key in ("min_length", "max_length") if tset.get(key)]
    return " ".join(opts)


def report_section(wildcards):
    """The ``report`` section with the target set's own ``report`` keys (title, published) on top."""
    section = dict(config.get("report") or {})
    section.update(target_set(wildcards).get("report") or {})
    section.setdefault("title", f"{RUN}: {wildcards.tset}")
    return section


def variant_train_section(variant):
    """The ``train`` section with an ablation variant's keys merged over it (nested mappings key by key)."""
    from protein_rgdm.config.workflow import merge_sections

    return merge_sections(config.get("train") or {}, config["ablation"]["variants"][variant] or {})


def steps_predict_section(steps):
    """The ``predict`` section for a step budget: ``steps`` evaluations on the checkpoint's own trained schedule
    (``full``: every step). A ``t32`` re-scheduling in the predict section is dropped: the ablation compares the
    variants' trained schedules, and RGDM's DDPM cannot even be built at a small t32."""
    section = {k: v for k, v in (config.get("predict") or {}).items() if k != "t32"}
    section.pop("steps", None)
    if steps != "full":
        section["steps"] = int(steps)
    return section


def ablation_runs():
    """(variant, steps) of every run of the ablation, variants in config order."""
    ab = config["ablation"]
    return [(v, str(s)) for v in ab["variants"] for s in ab.get("steps", ["full"])]

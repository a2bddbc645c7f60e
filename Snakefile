# protein_rgdm workflow: fetch -> featurize -> split -> embed -> bases -> train -> (per target set)
# targets -> predict -> evaluate -> report
#
#   snakemake --cores 2 --configfile configs/demo.yaml --rerun-incomplete      (the demo; also the default)
#   snakemake --cores 8 --configfile configs/cameo2022.yaml --config checkpoint=path/to/ckpt.pt
#   snakemake --workflow-profile workflows/profiles/slurm --configfile configs/pdb.yaml
#
# Every rule calls one `protein-rgdm` command; its settings are the config's section of the same
# name, written to results/<run>/configs/<stage>.yaml (rewritten only when the section changes,
# so editing a section re-runs that stage and what depends on it, nothing else).
from snakemake.utils import min_version, validate

min_version("9.0")


if not config:
    configfile: "configs/demo.yaml"


validate(config, "workflows/schemas/config.schema.yaml")


include: "workflows/common.smk"


wildcard_constraints:
    stage=r"[a-z]+",
    tset=r"[A-Za-z0-9_-]+",
    variant=r"[A-Za-z0-9_-]+",
    steps=r"full|[0-9]+",


localrules:
    all,
    stage_config,
    report_config,
    select_targets,
    ablation_train_config,
    ablation_predict_config,



include: "workflows/configs.smk"
include: "workflows/fetch.smk"
include: "workflows/featurize.smk"
include: "workflows/split.smk"
include: "workflows/embed.smk"
include: "workflows/bases.smk"
include: "workflows/train.smk"
include: "workflows/targets.smk"
include: "workflows/predict.smk"
include: "workflows/evaluate.smk"
include: "workflows/report.smk"
include: "workflows/ablation.smk"


rule all:
    input:
        final_outputs(),
    default_target: True

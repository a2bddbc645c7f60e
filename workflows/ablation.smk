# ablation: the same network, data and budget trained under several diffusion settings (variants),
# each predicting every target set at several step budgets, evaluated, and compared in one report
# per target set: quality against network evaluations, one line per variant.
#
#   ablation:
#     variants: {rg: {}, ddpm: {diffusion: {...}}}   # keys merged over the train section
#     steps: [10, 20, full]                           # predict.steps per run (network evaluations on the
#                                                     # trained schedule); full = every trained step
#
# Variants are wildcards, so they train as parallel jobs (separate SLURM jobs on a cluster).
# Outputs: results/<run>/ablation/<variant>/train/, .../<variant>/steps_<s>/{predict,evaluate}/<set>/,
# results/<run>/ablation/compare/<set>/comparison.{md,csv} and quality_vs_nfe.png.
ABLATION = config.get("ablation") or {}
ABL = f"{RESULTS}/ablation"


rule ablation_train_config:
    output:
        f"{RESULTS}/configs/ablation/train/{{variant}}.yaml",
    params:
        section=lambda wc: variant_train_section(wc.variant),
    log:
        f"{LOGS}/configs/ablation/train/{{variant}}.log",
    run:
        from protein_rgdm.config.workflow import write_stage_config

        write_stage_config(output[0], "train", params.section)


rule ablation_predict_config:
    output:
        f"{RESULTS}/configs/ablation/predict/{{steps}}.yaml",
    params:
        section=lambda wc: steps_predict_section(wc.steps),
    log:
        f"{LOGS}/configs/ablation/predict/{{steps}}.log",
    run:
        from protein_rgdm.config.workflow import write_stage_config

        write_stage_config(output[0], "predict", params.section)


use rule train as ablation_train with:
    input:
        manifest=f"{RESULTS}/featurize/manifest.csv",
        train=f"{RESULTS}/splits/train.csv",
        val=f"{RESULTS}/splits/val.csv",
        embeddings=f"{RESULTS}/embeddings",
        spectrum=f"{RESULTS}/bases/spectrum.json",
        cfg=f"{RESULTS}/configs/ablation/train/{{variant}}.yaml",
    output:
        f"{ABL}/{{variant}}/train/checkpoint.pt",
    log:
        f"{LOGS}/ablation/{{variant}}/train.log",


use rule predict as ablation_predict with:
    input:
        sequences=f"{RESULTS}/targets/{{tset}}.csv",
        checkpoint=f"{ABL}/{{variant}}/train/checkpoint.pt",
        cfg=f"{RESULTS}/configs/ablation/predict/{{steps}}.yaml",
    output:
        summary=f"{ABL}/{{variant}}/steps_{{steps}}/predict/{{tset}}/summary.csv",
        failed=f"{ABL}/{{variant}}/steps_{{steps}}/predict/{{tset}}/failed.tsv",
    log:
        f"{LOGS}/ablation/{{variant}}/steps_{{steps}}/predict/{{tset}}.log",


use rule evaluate as ablation_evaluate with:
    input:
        summary=f"{ABL}/{{variant}}/steps_{{steps}}/predict/{{tset}}/summary.csv",
        references=target_references,
        cfg=stage_config("evaluate"),
    output:
        f"{ABL}/{{variant}}/steps_{{steps}}/evaluate/{{tset}}/metrics.csv",
    log:
        f"{LOGS}/ablation/{{variant}}/steps_{{steps}}/evaluate/{{tset}}.log",


rule ablation_compare:
    input:
        metrics=lambda wc: [
            f"{ABL}/{v}/steps_{s}/evaluate/{wc.tset}/metrics.csv" for v, s in ablation_runs()
        ],
    output:
        f"{ABL}/compare/{{tset}}/comparison.md",
    log:
        f"{LOGS}/ablation/compare/{{tset}}.log",
    params:
        cli=PRGDM,
        runs=lambda wc, input: " ".join(
            f"--run {v} {s} {m}" for (v, s), m in zip(ablation_runs(), input.metrics, strict=True)
        ),
        out_dir=lambda wc, output: os.path.dirname(output[0]),
        title=lambda wc: f"{RUN} / {wc.tset}: diffusion variants, quality vs network evaluations",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        CONDA_ENV
    shell:
        "{params.cli} compare {params.runs} --out {params.out_dir} --title '{params.title}' > {log} 2>&1"

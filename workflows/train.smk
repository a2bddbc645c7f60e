# train: the score network; torchrun over resources.gpu GPUs when more than one.
# An interrupted run (--rerun-incomplete) resumes from last.pt; when the train section or the
# split changed, last.pt belongs to another run and is removed first (resume_guard in common.smk).
# A time budget (train.max_time_s) ends the stage with checkpoint.pt of the step reached; raising
# the budget re-runs the stage, which continues from last.pt (the budget is not part of the key).


rule train:
    input:
        manifest=f"{RESULTS}/featurize/manifest.csv",
        train=f"{RESULTS}/splits/train.csv",
        val=f"{RESULTS}/splits/val.csv",
        embeddings=f"{RESULTS}/embeddings",
        spectrum=f"{RESULTS}/bases/spectrum.json",
        cfg=stage_config("train"),
    output:
        f"{RESULTS}/train/checkpoint.pt",
    log:
        f"{LOGS}/train.log",
    params:
        launcher=train_launcher,
        env=thread_env,
        guard=resume_guard,
        out_dir=lambda wc, output: os.path.dirname(output[0]),
        chains=lambda wc, input: os.path.join(os.path.dirname(input.manifest), "chains"),
    threads: res("train", "threads", 2)
    resources:
        gpu=res("train", "gpu", 1),
        mem_mb=res("train", "mem_mb", 16000),
        runtime=res("train", "runtime", 2880),
    conda:
        CONDA_ENV
    shell:
        "{params.guard} && {params.env} {params.launcher} train --config {input.cfg} {params.chains}"
        " --train {input.train} --val {input.val} --embeddings {input.embeddings} --spectrum {input.spectrum}"
        " --out-dir {params.out_dir} --no-progress > {log} 2>&1"

# train: the score network; torchrun over resources.gpu GPUs when more than one.


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
        out_dir=lambda wc, output: os.path.dirname(output[0]),
    threads: res("train", "threads", 2)
    resources:
        gpu=res("train", "gpu", 1),
        mem_mb=res("train", "mem_mb", 16000),
        runtime=res("train", "runtime", 2880),
    conda:
        CONDA_ENV
    shell:
        "{params.launcher} train --config {input.cfg} --manifest {input.manifest} --train {input.train} --val {input.val}"
        " --embeddings {input.embeddings} --spectrum {input.spectrum} --out-dir {params.out_dir} > {log} 2>&1"

# split: manifest -> train/val/test tables (sequence-identity clusters with mmseqs2, release dates).


rule split:
    input:
        manifest=f"{RESULTS}/featurize/manifest.csv",
        cfg=stage_config("split"),
    output:
        train=f"{RESULTS}/splits/train.csv",
        val=f"{RESULTS}/splits/val.csv",
        test=f"{RESULTS}/splits/test.csv",
    log:
        f"{LOGS}/split.log",
    params:
        cli=PRGDM,
        out_dir=lambda wc, output: os.path.dirname(output.train),
    threads: res("split", "threads", 2)
    resources:
        mem_mb=res("split", "mem_mb", 8000),
        runtime=res("split", "runtime", 120),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} split --config {input.cfg} --manifest {input.manifest} --out {params.out_dir} > {log} 2>&1"

# split: all shards' manifests -> train/val/test tables (release date + sequence-identity clusters).


rule split:
    input:
        chains=expand(f"{RESULTS}/chains/shard_{{shard}}", shard=range(SHARDS)),
        cfg=stage_config("split"),
    output:
        train=f"{RESULTS}/splits/train.csv",
        val=f"{RESULTS}/splits/val.csv",
        test=f"{RESULTS}/splits/test.csv",
    log:
        f"{LOGS}/split.log",
    params:
        cli=PRGDM,
        out_dir=lambda wc, output: os.path.dirname(output[0]),
    threads: res("split", "threads", 2)
    resources:
        mem_mb=res("split", "mem_mb", 8000),
        runtime=res("split", "runtime", 120),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} split --config {input.cfg} {input.chains} --out-dir {params.out_dir} > {log} 2>&1"

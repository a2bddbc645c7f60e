# bases: the data's power spectrum per mode of the chain basis -> the fitted coloured prior.


rule bases:
    input:
        chains=expand(f"{RESULTS}/chains/shard_{{shard}}", shard=range(SHARDS)),
        split=f"{RESULTS}/splits/train.csv",
        cfg=stage_config("bases"),
    output:
        f"{RESULTS}/bases/spectrum.json",
    log:
        f"{LOGS}/bases.log",
    params:
        cli=PRGDM,
    threads: res("bases", "threads", 1)
    resources:
        mem_mb=res("bases", "mem_mb", 4000),
        runtime=res("bases", "runtime", 60),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} bases --config {input.cfg} {input.chains} --split {input.split} --out {output} > {log} 2>&1"

# featurize: structure files -> chain records + manifest.csv (+ rejected.csv with reasons), per shard.


rule featurize:
    input:
        raw=f"{RESULTS}/raw/shard_{{shard}}",
        cfg=stage_config("featurize"),
    output:
        chains=directory(f"{RESULTS}/chains/shard_{{shard}}"),
    log:
        f"{LOGS}/featurize/shard_{{shard}}.log",
    params:
        cli=PRGDM,
    threads: res("featurize", "threads", 1)
    resources:
        mem_mb=res("featurize", "mem_mb", 4000),
        runtime=res("featurize", "runtime", 120),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} featurize --config {input.cfg} {input.raw} --out-dir {output.chains} > {log} 2>&1"

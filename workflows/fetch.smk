# fetch: structure files of the ids (shard k of n) from RCSB or a local mirror folder.


rule fetch:
    input:
        ids=[config["data"]["ids"]] if config["data"].get("ids") else [],
        cfg=stage_config("fetch"),
    output:
        directory(f"{RESULTS}/raw/shard_{{shard}}"),
    log:
        f"{LOGS}/fetch/shard_{{shard}}.log",
    params:
        cli=PRGDM,
        ids=lambda wc, input: f"--ids {input.ids}" if input.ids else "",
        shards=SHARDS,
    threads: res("fetch", "threads", 1)
    resources:
        mem_mb=res("fetch", "mem_mb", 2000),
        runtime=res("fetch", "runtime", 120),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} fetch --config {input.cfg} {params.ids}"
        " --shard {wildcards.shard} --num-shards {params.shards} --out-dir {output} > {log} 2>&1"

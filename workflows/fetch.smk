# fetch: structure files of the id list from RCSB or a local mirror folder (concurrent downloads,
# atomic, resumable: files already there and parsing are kept).


rule fetch:
    input:
        ids=config["data"]["ids"] or [],
        cfg=stage_config("fetch"),
    output:
        manifest=f"{RESULTS}/raw/fetch_manifest.csv",
    log:
        f"{LOGS}/fetch.log",
    params:
        cli=PRGDM,
        out_dir=lambda wc, output: os.path.dirname(output.manifest),
    threads: res("fetch", "threads", 1)
    resources:
        mem_mb=res("fetch", "mem_mb", 2000),
        runtime=res("fetch", "runtime", 120),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} fetch --config {input.cfg} --ids {input.ids} --out {params.out_dir} > {log} 2>&1"

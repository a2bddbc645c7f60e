# embed: per-residue sequence features of every chain (learned encoder: nothing to precompute).


rule embed:
    input:
        manifest=f"{RESULTS}/featurize/manifest.csv",
        cfg=stage_config("embed"),
    output:
        directory(f"{RESULTS}/embeddings"),
    log:
        f"{LOGS}/embed.log",
    params:
        cli=PRGDM,
    threads: res("embed", "threads", 1)
    resources:
        mem_mb=res("embed", "mem_mb", 8000),
        runtime=res("embed", "runtime", 240),
        gpu=res("embed", "gpu", 0),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} embed --config {input.cfg} --manifest {input.manifest} --out-dir {output} > {log} 2>&1"

# embed: per-residue sequence features of every chain (ESM-2 from a local checkpoint, UniRep; the learned
# encoder has nothing to precompute and gets only the folder's manifest).


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
        env=thread_env,
        chains=lambda wc, input: os.path.join(os.path.dirname(input.manifest), "chains"),
    threads: res("embed", "threads", 1)
    resources:
        mem_mb=res("embed", "mem_mb", 8000),
        runtime=res("embed", "runtime", 240),
        gpu=res("embed", "gpu", 0),
    conda:
        CONDA_ENV
    shell:
        "{params.env} {params.cli} embed --config {input.cfg} {params.chains} --out-dir {output} --no-progress > {log} 2>&1"

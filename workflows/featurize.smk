# featurize: structure files -> chain records (chains/*.npz), manifest.csv, rejected.csv with reasons.


rule featurize:
    input:
        fetched=f"{RESULTS}/raw/fetch_manifest.csv",
        cfg=stage_config("featurize"),
    output:
        manifest=f"{RESULTS}/featurize/manifest.csv",
        rejected=f"{RESULTS}/featurize/rejected.csv",
    log:
        f"{LOGS}/featurize.log",
    params:
        cli=PRGDM,
        structures=lambda wc, input: os.path.dirname(input.fetched),
        out_dir=lambda wc, output: os.path.dirname(output.manifest),
    threads: res("featurize", "threads", 1)
    resources:
        mem_mb=res("featurize", "mem_mb", 4000),
        runtime=res("featurize", "runtime", 120),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} featurize --config {input.cfg} --structures {params.structures} --workers {threads}"
        " --out {params.out_dir} > {log} 2>&1"

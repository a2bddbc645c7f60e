# bases: the data's power spectrum per mode of the chain basis -> the fitted coloured prior.


rule bases:
    input:
        manifest=f"{RESULTS}/featurize/manifest.csv",
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
        "{params.cli} bases --config {input.cfg} --manifest {input.manifest} --split {input.split} --out {output} > {log} 2>&1"

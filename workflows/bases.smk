# bases: the data's power spectrum per mode of the chain basis -> the fitted coloured prior
# (two numbers, c and m, used by train when its colour kind is 'fitted'). Measured on the chains
# of the train split only: nothing of the validation or test chains enters c and m.


rule bases:
    input:
        manifest=f"{RESULTS}/featurize/manifest.csv",
        train=f"{RESULTS}/splits/train.csv",
        cfg=stage_config("bases"),
    output:
        f"{RESULTS}/bases/spectrum.json",
    log:
        f"{LOGS}/bases.log",
    params:
        cli=PRGDM,
        out_dir=lambda wc, output: os.path.dirname(output[0]),
    threads: res("bases", "threads", 1)
    resources:
        mem_mb=res("bases", "mem_mb", 4000),
        runtime=res("bases", "runtime", 60),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} bases --config {input.cfg} --chains {input.manifest} --only {input.train} --out {params.out_dir} --overwrite > {log} 2>&1"

# predict: N samples per sequence of each target set from the checkpoint (trained here or given in the config).


rule predict:
    input:
        sequences=f"{RESULTS}/targets/{{tset}}.csv",
        checkpoint=checkpoint_path(),
        cfg=stage_config("predict"),
    output:
        summary=f"{RESULTS}/predict/{{tset}}/summary.csv",
        failed=f"{RESULTS}/predict/{{tset}}/failed.tsv",
    log:
        f"{LOGS}/predict/{{tset}}.log",
    params:
        cli=PRGDM,
        env=thread_env,
        out_dir=lambda wc, output: os.path.dirname(output[0]),
    threads: res("predict", "threads", 1)
    resources:
        gpu=res("predict", "gpu", 1),
        mem_mb=res("predict", "mem_mb", 8000),
        runtime=res("predict", "runtime", 240),
    conda:
        CONDA_ENV
    shell:
        "{params.env} {params.cli} predict {input.sequences} --checkpoint {input.checkpoint} --config {input.cfg}"
        " --out-dir {params.out_dir} --redo-changed --quiet > {log} 2>&1"

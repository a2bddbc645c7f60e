# evaluate: RMSD / TM / GDT / lDDT of every predicted sample of a target set against its reference.


rule evaluate:
    input:
        summary=f"{RESULTS}/predict/{{tset}}/summary.csv",
        references=target_references,
        cfg=stage_config("evaluate"),
    output:
        f"{RESULTS}/evaluate/{{tset}}/metrics.csv",
    log:
        f"{LOGS}/evaluate/{{tset}}.log",
    params:
        cli=PRGDM,
        predictions=lambda wc, input: os.path.join(os.path.dirname(input.summary), "predictions"),
    threads: res("evaluate", "threads", 1)
    resources:
        mem_mb=res("evaluate", "mem_mb", 4000),
        runtime=res("evaluate", "runtime", 120),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} evaluate --config {input.cfg} --predictions {params.predictions}"
        " --references {input.references} --out {output} > {log} 2>&1"

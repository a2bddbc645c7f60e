# report: per target set, aggregate tables (first / top-ranked / mean / oracle best-of-n) and plots,
# markdown + HTML. The set's own `report` keys (title, published numbers) go over the `report` section.


rule report_config:
    output:
        f"{RESULTS}/configs/report/{{tset}}.yaml",
    params:
        section=report_section,
    log:
        f"{LOGS}/configs/report/{{tset}}.log",
    run:
        from protein_rgdm.config.workflow import write_stage_config

        write_stage_config(output[0], "report", params.section)


rule report:
    input:
        metrics=f"{RESULTS}/evaluate/{{tset}}/metrics.csv",
        cfg=f"{RESULTS}/configs/report/{{tset}}.yaml",
    output:
        f"{RESULTS}/report/{{tset}}/report.md",
    log:
        f"{LOGS}/report/{{tset}}.log",
    params:
        cli=PRGDM,
        out_dir=lambda wc, output: os.path.dirname(output[0]),
    threads: res("report", "threads", 1)
    resources:
        mem_mb=res("report", "mem_mb", 2000),
        runtime=res("report", "runtime", 30),
    conda:
        CONDA_ENV
    shell:
        "{params.cli} report {input.metrics} --config {input.cfg} --out {params.out_dir} > {log} 2>&1"

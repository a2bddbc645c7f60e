# report: aggregate tables (first / top-ranked / mean / oracle best-of-n) and plots, markdown + HTML.


rule report:
    input:
        metrics=f"{RESULTS}/evaluate/metrics.csv",
        cfg=stage_config("report"),
    output:
        f"{RESULTS}/report/report.md",
    log:
        f"{LOGS}/report.log",
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

# targets: each target set's sequences (a FASTA/CSV file or a split table), filtered by length,
# as one id,sequence CSV. A run may name several sets (held-out chains, CAMEO <= 100, ...);
# each is predicted, evaluated and reported on its own.


rule select_targets:
    input:
        source=target_source,
    output:
        f"{RESULTS}/targets/{{tset}}.csv",
    log:
        f"{LOGS}/targets/{{tset}}.log",
    params:
        cli=PRGDM,
        lengths=length_options,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        CONDA_ENV
    shell:
        "{params.cli} targets {input.source} --out {output} {params.lengths} > {log} 2>&1"

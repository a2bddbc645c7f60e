# configs: each stage's section of the workflow config as its own file, the one passed to
# `protein-rgdm <stage> --config`. The section is the rule's params, so editing it re-runs the
# stage (and, by the file's new time stamp, everything downstream); other stages stay done.


rule stage_config:
    output:
        f"{RESULTS}/configs/{{stage}}.yaml",
    params:
        section=lambda wc: config.get(wc.stage, {}),
    log:
        f"{LOGS}/configs/{{stage}}.log",
    run:
        from protein_rgdm.config.workflow import write_stage_config

        write_stage_config(output[0], wildcards.stage, params.section)

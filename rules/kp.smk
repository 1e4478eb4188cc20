rule kp:
    """One tidy 3-hourly Kp series (missing values NaN, never zero)."""
    input:
        kp_source_file,
    output:
        "results/kp/kp.csv",
    log:
        "logs/kp/kp.log",
    benchmark:
        "results/benchmarks/kp/kp.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        fmt=config["kp"]["format"],
    script:
        "../scripts/kp.py"

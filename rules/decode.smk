rule decode_ground:
    """IAGA-2002 files of one observatory -> one continuous CF netCDF with the gap policy."""
    input:
        ground_raw_files,
    output:
        "results/decoded/ground/{obs}.nc",
    log:
        "logs/decode_ground/{obs}.log",
    benchmark:
        "results/benchmarks/decode_ground/{obs}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        iaga_code="{obs}",
        max_fill_gap_minutes=config["decode"]["max_fill_gap_minutes"],
    script:
        "../scripts/decode_ground.py"

rule select_catalog:
    """Events near one observatory under its selection criteria (geodesic distance)."""
    input:
        catalog_source_file,
    output:
        "results/catalog/ground/{obs}.csv",
    log:
        "logs/select_catalog/{obs}.log",
    benchmark:
        "results/benchmarks/select_catalog/{obs}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        fmt=config["catalog"]["format"],
        latitude=lambda wildcards: observatory(wildcards.obs)["latitude"],
        longitude=lambda wildcards: observatory(wildcards.obs)["longitude"],
        start=lambda wildcards: observatory(wildcards.obs)["start"],
        end=lambda wildcards: observatory(wildcards.obs)["end"],
        selection=lambda wildcards: observatory(wildcards.obs)["selection"],
    script:
        "../scripts/select_catalog.py"

# The synthetic generator: the same raw formats the real sources deliver, so download and
# decode treat synthetic and real data alike. Truth tables are read by evaluation only.


rule generate_catalog:
    """A Gutenberg-Richter catalog with aftershocks around one observatory (USGS csv)."""
    output:
        RAW_CATALOG.replace("{service}", "synthetic"),
    log:
        "logs/generate_catalog/{obs}.log",
    benchmark:
        "results/benchmarks/generate_catalog/{obs}.tsv"
    conda:
        "../envs/synthetic.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        site=lambda wildcards: observatory(wildcards.obs),
        options=lambda wildcards: catalog_entry(wildcards.obs)["synthetic"],
    script:
        "../scripts/generate_catalog.py"


rule generate_ground:
    """Daily IAGA-2002 minute files of one synthetic observatory, with a truth table."""
    input:
        kp=KP_CSV,
        events=CATALOG_CSV,
    output:
        raw=directory(SYNTHETIC_GROUND_DIR),
        truth="results/synthetic/truth/ground_{obs}.csv",
    log:
        "logs/generate_ground/{obs}.log",
    benchmark:
        "results/benchmarks/generate_ground/{obs}.tsv"
    conda:
        "../envs/synthetic.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        site=lambda wildcards: observatory(wildcards.obs),
        options=synthetic_ground_options(),
    script:
        "../scripts/generate_ground.py"


rule generate_satellite:
    """Half-orbit Langmuir-probe files of one synthetic mission (CDF or HDF5)."""
    input:
        kp=KP_CSV,
        events=synthetic_satellite_events,
    output:
        raw=directory(SYNTHETIC_SATELLITE_DIR),
        truth="results/synthetic/truth/satellite_{mission}.csv",
    log:
        "logs/generate_satellite/{mission}.log",
    benchmark:
        "results/benchmarks/generate_satellite/{mission}.tsv"
    conda:
        "../envs/synthetic.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        options=synthetic_satellite_options,
    script:
        "../scripts/generate_satellite.py"


rule figure_synthetic_overview:
    """A week of synthetic ground data beside real BOU data, and a synthetic pass."""
    input:
        synthetic=lambda wildcards: DECODED_NC.format(obs=overview()["observatory"]),
        real="data/iaga/BOU201601adj.min",
        satellite=lambda wildcards: SYNTHETIC_SATELLITE_DIR.format(mission=overview()["satellite"]),
    output:
        report(
            SYNTHETIC_OVERVIEW_PNG,
            caption="../report/synthetic_overview.rst",
            category="Synthetic data",
        ),
    log:
        "logs/figure_synthetic_overview.log",
    benchmark:
        "results/benchmarks/figure_synthetic_overview.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        start=lambda wildcards: overview()["start"],
    script:
        "../scripts/figure_synthetic_overview.py"

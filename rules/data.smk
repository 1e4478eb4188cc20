# Data layer: downloads (the only rules that touch the network; localrules on a cluster),
# IAGA-2002 decoding, catalog selection (selected and exclusion events) and the Kp series.


rule download_intermagnet:
    """One month of one observatory from the BGS GIN web service (IAGA-2002, 1-minute)."""
    output:
        INTERMAGNET_MONTH,
    log:
        "logs/download_intermagnet/{obs}_{month}.log",
    benchmark:
        "results/benchmarks/download_intermagnet/{obs}_{month}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
    params:
        url=intermagnet_month_url,
        validator="iaga2002",
        http=http_params(),
    script:
        "../scripts/download.py"


rule download_catalog:
    """Earthquakes around one observatory: USGS FDSN (csv) or ISC bulletin (CATCSV)."""
    output:
        RAW_CATALOG,
    log:
        "logs/download_catalog/{service}_{obs}.log",
    benchmark:
        "results/benchmarks/download_catalog/{service}_{obs}.tsv"
    wildcard_constraints:
        service="usgs|isc",
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
    params:
        url=catalog_query_url,
        validator=lambda wildcards: f"{wildcards.service}_catalog",
        http=http_params(),
    script:
        "../scripts/download.py"


rule download_satellite_catalog:
    """One year of the global USGS catalog for one satellite's study (FDSN csv)."""
    output:
        RAW_SATELLITE_CATALOG,
    log:
        "logs/download_satellite_catalog/{sat}_{year}.log",
    benchmark:
        "results/benchmarks/download_satellite_catalog/{sat}_{year}.tsv"
    wildcard_constraints:
        year="[0-9]{4}",
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
    params:
        url=satellite_catalog_url,
        validator="usgs_catalog",
        http=http_params(),
    script:
        "../scripts/download.py"


rule download_kp:
    """The Kp history from GFZ (text file or JSON API) or CelesTrak."""
    output:
        RAW_KP,
    log:
        "logs/download_kp/{service}.log",
    benchmark:
        "results/benchmarks/download_kp/{service}.tsv"
    wildcard_constraints:
        service="gfz|gfz_json|celestrak",
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
    params:
        url=kp_url,
        validator=lambda wildcards: f"{wildcards.service}_kp",
        http=http_params(),
    script:
        "../scripts/download.py"


rule decode_ground:
    """IAGA-2002 files of one observatory -> one continuous CF netCDF with the gap policy."""
    input:
        ground_raw_files,
    output:
        DECODED_NC,
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


rule select_catalog:
    """Events near one observatory under its selection criteria (geodesic distance)."""
    input:
        catalog_source_file,
    output:
        CATALOG_CSV,
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
        fmt=lambda wildcards: catalog_entry(wildcards.obs)["format"],
        latitude=lambda wildcards: observatory(wildcards.obs)["latitude"],
        longitude=lambda wildcards: observatory(wildcards.obs)["longitude"],
        start=lambda wildcards: observatory(wildcards.obs)["start"],
        end=lambda wildcards: observatory(wildcards.obs)["end"],
        selection=lambda wildcards: observatory(wildcards.obs)["selection"],
    script:
        "../scripts/select_catalog.py"


rule exclusion_catalog:
    """Every catalog event near one observatory, at any depth: quiet windows keep clear."""
    input:
        catalog_source_file,
    output:
        EXCLUSION_CSV,
    log:
        "logs/exclusion_catalog/{obs}.log",
    benchmark:
        "results/benchmarks/exclusion_catalog/{obs}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        fmt=lambda wildcards: catalog_entry(wildcards.obs)["format"],
        options=exclusion_options,
    script:
        "../scripts/exclusion_catalog.py"


rule kp:
    """One tidy 3-hourly Kp series (missing values NaN, never zero)."""
    input:
        kp_source_file,
    output:
        KP_CSV,
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

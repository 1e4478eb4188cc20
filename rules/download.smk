# Everything that touches the network. On a cluster these run as localrules (profiles/slurm).


rule download_intermagnet:
    """One month of one observatory from the BGS GIN web service (IAGA-2002, 1-minute)."""
    output:
        "resources/intermagnet/{obs}/{obs}_{month}.min",
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
        "resources/catalog/{service}/{obs}.csv",
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


rule download_kp:
    """The Kp history from GFZ (text file or JSON API) or CelesTrak."""
    output:
        "resources/kp/{service}.txt",
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

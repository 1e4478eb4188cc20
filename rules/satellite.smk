# Satellite study (Xiong et al. 2021, doi:10.3389/fenvs.2021.779255): catalog (decluster,
# artificial events) -> label (sequences, three classes) -> split (chronological).
# Input functions and config glue: the satellite-study section of rules/common.smk.


rule catalog_satellite:
    """One satellite's period of the global catalog: declustered, plus artificial events."""
    input:
        satellite_catalog_file,
    output:
        events=SATELLITE_EVENTS_CSV,
        report=SATELLITE_DECLUSTERING_JSON,
    log:
        "logs/catalog_satellite/{sat}.log",
    benchmark:
        "results/benchmarks/catalog_satellite/{sat}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        options=satellite_catalog_options,
    script:
        "../scripts/catalog_satellite.py"


rule label_satellite:
    """Sequences of T observations of one dataset, labelled 0 / 1 / 2 (Kp > threshold)."""
    input:
        nc=satellite_dataset_input(DECODED_SATELLITE_NC),
        events=satellite_dataset_input(SATELLITE_EVENTS_CSV),
        kp=KP_CSV,
    output:
        sequences=satellite_dataset_file("sequences.npy"),
        table=satellite_dataset_file("sequences.csv"),
        report=satellite_dataset_file("report.json"),
    log:
        "logs/label_satellite/{dataset}.log",
    benchmark:
        "results/benchmarks/label_satellite/{dataset}.tsv"
    wildcard_constraints:
        dataset=SATELLITE_DATASET_ID,
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        out_dir=subpath(output.table, parent=True),
        options=satellite_label_options,
    script:
        "../scripts/label_satellite.py"


rule split_satellite:
    """Chronological split: the first 80 % of the time trains; no sequence spans the boundary."""
    input:
        satellite_dataset_file("sequences.csv"),
    output:
        split=satellite_dataset_file("split.csv"),
        report=satellite_dataset_file("split.json"),
    log:
        "logs/split_satellite/{dataset}.log",
    benchmark:
        "results/benchmarks/split_satellite/{dataset}.tsv"
    wildcard_constraints:
        dataset=SATELLITE_DATASET_ID,
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        options=satellite_split_options,
    script:
        "../scripts/split_satellite.py"

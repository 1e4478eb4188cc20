# Confound and chance baselines (eqprecursors.evaluation.baselines): what a classifier
# scores from Kp, the date or the place alone, and by chance, trained on the training part
# of the same split as the models and scored on the same held-out part. Scikit-learn only
# (no TensorFlow). The ground baselines depend on (dataset, window, filter), not on the
# optimizer or the training fraction; the satellite ones on the dataset.


rule baselines_ground:
    """Kp-only, date-only, majority and stratified baselines of one ground split."""
    input:
        labels=dataset_file("labels.csv"),
        split=f"{SPLIT}.csv",
        kp=KP_CSV,
    output:
        plan.GROUND_BASELINES_JSON,
    log:
        "logs/baselines_ground/{dataset}_{window}_{filter}.log",
    benchmark:
        "results/benchmarks/baselines_ground/{dataset}_{window}_{filter}.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        options=lambda wildcards: plan.ground_baseline_options(config),
    script:
        "../scripts/baselines_ground.py"


rule baselines_satellite:
    """Kp-, date- and location-only, majority and stratified baselines of one dataset."""
    input:
        sequences=satellite_dataset_file("sequences.csv"),
        split=satellite_dataset_file("split.csv"),
        kp=KP_CSV,
    output:
        satellite_plan.BASELINES_JSON,
    log:
        "logs/baselines_satellite/{dataset}.log",
    benchmark:
        "results/benchmarks/baselines_satellite/{dataset}.tsv"
    wildcard_constraints:
        dataset=SATELLITE_DATASET_ID,
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        options=lambda wildcards: satellite_plan.baseline_options(config),
    script:
        "../scripts/baselines_satellite.py"

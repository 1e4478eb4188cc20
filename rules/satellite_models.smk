# Satellite study, models (Xiong et al. 2021): tune (Optuna TPE, training part only) -> train
# (whole training part, test part predicted once) -> evaluate (metrics from predictions, no
# TensorFlow), and transfer DEMETER -> CSES (TL, IT, DT). Each (dataset, model) tuning worker
# is its own job (on SLURM its own sbatch job); `workers` > 1 lets several share one study.
#
# Config is read lazily (rules/common.smk, "satellite study: models"), so without
# satellite_study these rules are simply never asked for.
from eqprecursors.satellite.search import KERAS_MODELS, MODELS, SKLEARN_MODELS  # noqa: E402

SAT_TUNING = plan.SATELLITE_TUNING_DIR
SAT_MODEL = plan.SATELLITE_MODEL_DIR
SAT_TRANSFER = plan.SATELLITE_TRANSFER_DIR


rule tune_satellite_worker:
    """Trials of one (dataset, model) Optuna study, scored on the inner validation part."""
    input:
        **satellite_dataset_files(),
    output:
        f"{SAT_TUNING}/workers/{{worker}}.json",
    log:
        "logs/tune_satellite_worker/{dataset}_{model}_{worker}.log",
    benchmark:
        "results/benchmarks/tune_satellite_worker/{dataset}_{model}_{worker}.tsv"
    wildcard_constraints:
        dataset=SATELLITE_DATASET_ID,
        model="|".join(MODELS),
        worker="[0-9]+",
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        dataset_dir=subpath(input.split, parent=True),
        journal=lambda wildcards: f"{SAT_TUNING}/study.journal".format(**wildcards),
        tuning=lambda wildcards: satellite_tuning(),
    script:
        "../scripts/tune_satellite.py"


rule tune_satellite:
    """Every trial of a study (trials.csv) and the best parameters (best.json)."""
    input:
        satellite_tuning_workers,
    output:
        trials=f"{SAT_TUNING}/trials.csv",
        best=f"{SAT_TUNING}/best.json",
    log:
        "logs/tune_satellite/{dataset}_{model}.log",
    benchmark:
        "results/benchmarks/tune_satellite/{dataset}_{model}.tsv"
    wildcard_constraints:
        dataset=SATELLITE_DATASET_ID,
        model="|".join(MODELS),
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../scripts/tune_satellite_export.py"


rule train_satellite:
    """A Keras model with the best parameters on the whole training part; test predicted."""
    input:
        **satellite_dataset_files(),
        best=f"{SAT_TUNING}/best.json",
    output:
        model=f"{SAT_MODEL}/model.keras",
        preprocessing=f"{SAT_MODEL}/preprocessing.json",
        predictions=f"{SAT_MODEL}/predictions.csv",
        summary=f"{SAT_MODEL}/summary.json",
    log:
        "logs/train_satellite/{dataset}_{model}.log",
    benchmark:
        "results/benchmarks/train_satellite/{dataset}_{model}.tsv"
    wildcard_constraints:
        dataset=SATELLITE_DATASET_ID,
        model="|".join(KERAS_MODELS),
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        dataset_dir=subpath(input.split, parent=True),
        seed=lambda wildcards: satellite_tuning()["seed"],
    script:
        "../scripts/train_satellite.py"


rule train_satellite_sklearn:
    """GBM or RF with the best parameters on the whole training part (no TensorFlow)."""
    input:
        **satellite_dataset_files(),
        best=f"{SAT_TUNING}/best.json",
    output:
        model=f"{SAT_MODEL}/model.joblib",
        predictions=f"{SAT_MODEL}/predictions.csv",
        summary=f"{SAT_MODEL}/summary.json",
    log:
        "logs/train_satellite_sklearn/{dataset}_{model}.log",
    benchmark:
        "results/benchmarks/train_satellite_sklearn/{dataset}_{model}.tsv"
    wildcard_constraints:
        dataset=SATELLITE_DATASET_ID,
        model="|".join(SKLEARN_MODELS),
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        dataset_dir=subpath(input.split, parent=True),
        seed=lambda wildcards: satellite_tuning()["seed"],
    script:
        "../scripts/train_satellite.py"


rule evaluate_satellite:
    """Test-part metrics beside the chance baselines, bootstrap CIs and permutation p."""
    input:
        predictions=f"{SAT_MODEL}/predictions.csv",
        sequences=satellite_dataset_file("sequences.csv"),
    output:
        metrics=f"{SAT_MODEL}/metrics.json",
    log:
        "logs/evaluate_satellite/{dataset}_{model}.log",
    benchmark:
        "results/benchmarks/evaluate_satellite/{dataset}_{model}.tsv"
    wildcard_constraints:
        dataset=SATELLITE_DATASET_ID,
        model="|".join(MODELS),
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        evaluation=lambda wildcards: satellite_evaluation(),
        context=lambda wildcards: {"dataset": wildcards.dataset, "model": wildcards.model},
    script:
        "../scripts/evaluate_satellite.py"


rule optimism_satellite:
    """Every finished trial refitted as the final model and scored on the test part: the
    honest score (trial chosen on the inner validation) beside the best test score."""
    input:
        **satellite_dataset_files(),
        best=f"{SAT_TUNING}/best.json",
        trials=f"{SAT_TUNING}/trials.csv",
        predictions=f"{SAT_MODEL}/predictions.csv",
    output:
        satellite_plan.OPTIMISM_JSON,
    log:
        "logs/optimism_satellite/{dataset}_{model}.log",
    benchmark:
        "results/benchmarks/optimism_satellite/{dataset}_{model}.tsv"
    wildcard_constraints:
        dataset=SATELLITE_DATASET_ID,
        model="|".join(MODELS),
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        dataset_dir=subpath(input.split, parent=True),
        seed=lambda wildcards: satellite_tuning()["seed"],
    script:
        "../scripts/optimism_satellite.py"


rule evaluate_satellite_transfer:
    """Metrics of one transfer mode on the target's test part (TS1)."""
    input:
        predictions=f"{SAT_TRANSFER}/predictions.csv",
        sequences=satellite_transfer_input("target", SATELLITE_DATASET_DIR, "sequences.csv"),
    output:
        metrics=f"{SAT_TRANSFER}/metrics.json",
    log:
        "logs/evaluate_satellite_transfer/{mode}.log",
    benchmark:
        "results/benchmarks/evaluate_satellite_transfer/{mode}.tsv"
    wildcard_constraints:
        mode="TL|IT|DT",
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        evaluation=lambda wildcards: satellite_evaluation(),
        context=lambda wildcards: {
            "mode": wildcards.mode,
            "model": SATELLITE_TRANSFER_MODEL,
            "source": satellite_transfer_dataset("source"),
            "target": satellite_transfer_dataset("target"),
        },
    script:
        "../scripts/evaluate_satellite.py"


rule transfer_satellite_tl:
    """TL: the source (DEMETER) model fine-tuned, all layers, on the target's TR1."""
    input:
        **satellite_transfer_dataset_inputs("target"),
        source_model=satellite_transfer_input("source", SAT_MODEL, "model.keras"),
        source_preprocessing=satellite_transfer_input("source", SAT_MODEL, "preprocessing.json"),
        source_best=satellite_transfer_input("source", SAT_TUNING, "best.json"),
    output:
        model=satellite_transfer_file("TL", "model.keras"),
        preprocessing=satellite_transfer_file("TL", "preprocessing.json"),
        predictions=satellite_transfer_file("TL", "predictions.csv"),
        summary=satellite_transfer_file("TL", "summary.json"),
    log:
        "logs/transfer_satellite_tl.log",
    benchmark:
        "results/benchmarks/transfer_satellite_tl.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        mode="TL",
        dirs=satellite_transfer_dirs,
        seed=lambda wildcards: satellite_tuning()["seed"],
    script:
        "../scripts/transfer_satellite.py"


rule transfer_satellite_it:
    """IT: the source model applied to the target's TS1 as it is."""
    input:
        **satellite_transfer_dataset_inputs("target"),
        source_model=satellite_transfer_input("source", SAT_MODEL, "model.keras"),
        source_preprocessing=satellite_transfer_input("source", SAT_MODEL, "preprocessing.json"),
    output:
        predictions=satellite_transfer_file("IT", "predictions.csv"),
        summary=satellite_transfer_file("IT", "summary.json"),
    log:
        "logs/transfer_satellite_it.log",
    benchmark:
        "results/benchmarks/transfer_satellite_it.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        mode="IT",
        dirs=satellite_transfer_dirs,
        seed=lambda wildcards: satellite_tuning()["seed"],
    script:
        "../scripts/transfer_satellite.py"


rule transfer_satellite_dt:
    """DT: the target's directly trained model (its predictions; no TensorFlow)."""
    input:
        target_predictions=satellite_transfer_input("target", SAT_MODEL, "predictions.csv"),
    output:
        predictions=satellite_transfer_file("DT", "predictions.csv"),
        summary=satellite_transfer_file("DT", "summary.json"),
    log:
        "logs/transfer_satellite_dt.log",
    benchmark:
        "results/benchmarks/transfer_satellite_dt.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=500,
    params:
        mode="DT",
        dirs=satellite_transfer_dirs,
        seed=lambda wildcards: satellite_tuning()["seed"],
    script:
        "../scripts/transfer_satellite.py"

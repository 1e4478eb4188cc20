# Ground-observatory precursor CNN (Petrescu & Moldovan 2022, doi:10.3390/make4040046):
# label -> split -> train -> evaluate, for every dataset (each observatory and ALL) x
# window x filter the experiments need; the learning-rate and conv-block variants of the
# sweep's run reuse the train and evaluate rules (`use rule`) under plan.VARIANT_RUN_DIR.


rule label_ground:
    """Earthquake and quiet windows of one observatory, normalised, memory-mappable."""
    input:
        nc=DECODED_NC,
        catalog=CATALOG_CSV,
        kp=KP_CSV,
        exclusion=exclusion_catalog_input,
    output:
        windows=dataset_file("windows.npy", "{obs}"),
        labels=dataset_file("labels.csv", "{obs}"),
        report=dataset_file("report.json", "{obs}"),
    log:
        "logs/label_ground/{obs}_{window}_{filter}.log",
    benchmark:
        "results/benchmarks/label_ground/{obs}_{window}_{filter}.tsv"
    wildcard_constraints:
        obs="|".join(CNN["observatories"]),
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        out_dir=subpath(output.labels, parent=True),
        window="{window}",
        filter=lambda wildcards: cnn_filter(wildcards.filter),
        labelling=ground_labelling_options(),
        all_events_csv=lambda wildcards, input: input.exclusion or None,
    script:
        "../scripts/label_ground.py"


rule combine_ground:
    """The ALL dataset: every study observatory's windows together."""
    input:
        labels=study_dataset_files("labels.csv"),
        windows=study_dataset_files("windows.npy"),
    output:
        windows=dataset_file("windows.npy", plan.COMBINED),
        labels=dataset_file("labels.csv", plan.COMBINED),
        report=dataset_file("report.json", plan.COMBINED),
    log:
        "logs/combine_ground/{window}_{filter}.log",
    benchmark:
        "results/benchmarks/combine_ground/{window}_{filter}.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        dirs=lambda wildcards, input: [os.path.dirname(p) for p in input.labels],
        out_dir=subpath(output.labels, parent=True),
    script:
        "../scripts/combine_ground.py"


rule split_ground:
    """80/20 split: chronological (leak-safe, an embargo apart) or random (the paper's, leaky)."""
    input:
        dataset_file("labels.csv"),
    output:
        split=f"{SPLIT}.csv",
        report=f"{SPLIT}.json",
    log:
        "logs/split_ground/{dataset}_{window}_{filter}.log",
    benchmark:
        "results/benchmarks/split_ground/{dataset}_{window}_{filter}.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        split=CNN["split"],
    script:
        "../scripts/split_ground.py"


rule train_ground:
    """The Table 2 CNN on one dataset; {percent} % of the training part (100 in every run).

    The model still in memory predicts the validation part (predictions.csv), so the
    evaluation reads a CSV and never starts TensorFlow.
    """
    input:
        windows=dataset_file("windows.npy"),
        labels=dataset_file("labels.csv"),
        split=f"{SPLIT}.csv",
    output:
        model=f"{RUN_DIR}/model.keras",
        history=f"{RUN_DIR}/history.csv",
        summary=f"{RUN_DIR}/summary.json",
        predictions=f"{RUN_DIR}/predictions.csv",
    log:
        "logs/train_ground/{dataset}_{window}_{filter}_{optimizer}_{percent}.log",
    benchmark:
        "results/benchmarks/train_ground/{dataset}_{window}_{filter}_{optimizer}_{percent}.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=6000,
    params:
        training=lambda wildcards: dict(CNN["training"], optimizer=wildcards.optimizer),
        subset_fraction=lambda wildcards: int(wildcards.percent) / 100,
    script:
        "../scripts/train_ground.py"


rule train_ground_learning_curve:
    """Figure 8's points of one seed: every fraction trained, then scored on val, in one job.

    TensorFlow starts once per seed, not once per point; the subsets are nested and the
    seed also sets the weight initialisation (eqprecursors.evaluation.learning_curve).
    """
    input:
        windows=dataset_file("windows.npy"),
        labels=dataset_file("labels.csv"),
        split=f"{SPLIT}.csv",
    output:
        histories=plan.learning_curve_outputs(config, "history.csv"),
        summaries=plan.learning_curve_outputs(config, "summary.json"),
        metrics=plan.learning_curve_outputs(config, "metrics.json"),
    log:
        "logs/train_ground_learning_curve/{dataset}_{window}_{filter}_{optimizer}_seed{seed}.log",
    benchmark:
        "results/benchmarks/train_ground_learning_curve/{dataset}_{window}_{filter}_{optimizer}_seed{seed}.tsv"
    wildcard_constraints:
        seed=plan.SEED,
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=6000,
    params:
        fractions=plan.learning_curve_fractions(config),
        training=lambda wildcards: dict(CNN["training"], optimizer=wildcards.optimizer),
        evaluation=CNN["evaluation"],
    script:
        "../scripts/train_ground_learning_curve.py"


rule evaluate_ground:
    """Held-out metrics beside the chance baseline, with bootstrap CIs and permutation p.

    Reads the training job's predictions.csv: no TensorFlow, no model reload (ml.yaml
    still, the only env with scikit-learn, which the metrics use).
    """
    input:
        predictions=f"{RUN_DIR}/predictions.csv",
        labels=dataset_file("labels.csv"),
        split=f"{SPLIT}.csv",
    output:
        metrics=f"{RUN_DIR}/metrics.json",
    log:
        "logs/evaluate_ground/{dataset}_{window}_{filter}_{optimizer}_{percent}.log",
    benchmark:
        "results/benchmarks/evaluate_ground/{dataset}_{window}_{filter}_{optimizer}_{percent}.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        evaluation=CNN["evaluation"],
    script:
        "../scripts/evaluate_ground.py"


rule metrics_table_ground:
    """Every trained model's held-out metrics beside its split's baselines (CSV, Markdown)."""
    input:
        metrics=lambda wildcards: [run_path(r, "metrics.json") for r in all_cnn_runs()],
        summaries=lambda wildcards: [run_path(r, "summary.json") for r in all_cnn_runs()],
        baselines=lambda wildcards: plan.cnn_baseline_files(config),
    output:
        csv=report(
            table_file("metrics", "csv"),
            caption="../report/ground_metrics.rst",
            category="Ground CNN",
            subcategory="Tables",
        ),
        md=table_file("metrics", "md"),
    log:
        "logs/metrics_table_ground.log",
    benchmark:
        "results/benchmarks/metrics_table_ground.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        runs=lambda wildcards: [run_label(r) for r in all_cnn_runs()],
    script:
        "../scripts/metrics_table_ground.py"


use rule train_ground as train_ground_variant with:
    output:
        model=f"{plan.VARIANT_RUN_DIR}/model.keras",
        history=f"{plan.VARIANT_RUN_DIR}/history.csv",
        summary=f"{plan.VARIANT_RUN_DIR}/summary.json",
        predictions=f"{plan.VARIANT_RUN_DIR}/predictions.csv",
    log:
        "logs/train_ground_variant/{dataset}_{window}_{filter}_{optimizer}_{variant}.log",
    benchmark:
        "results/benchmarks/train_ground_variant/{dataset}_{window}_{filter}_{optimizer}_{variant}.tsv"
    wildcard_constraints:
        variant=plan.VARIANT,
    params:
        training=lambda wildcards: dict(
            plan.variant_training(config, wildcards.variant), optimizer=wildcards.optimizer
        ),
        subset_fraction=1.0,


use rule evaluate_ground as evaluate_ground_variant with:
    input:
        predictions=f"{plan.VARIANT_RUN_DIR}/predictions.csv",
        labels=dataset_file("labels.csv"),
        split=f"{SPLIT}.csv",
    output:
        metrics=f"{plan.VARIANT_RUN_DIR}/metrics.json",
    log:
        "logs/evaluate_ground_variant/{dataset}_{window}_{filter}_{optimizer}_{variant}.log",
    benchmark:
        "results/benchmarks/evaluate_ground_variant/{dataset}_{window}_{filter}_{optimizer}_{variant}.tsv"
    wildcard_constraints:
        variant=plan.VARIANT,

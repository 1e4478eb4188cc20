# Alarm evaluation (eqprecursors.evaluation.alarms, .alarms_satellite): trained models run
# over the continuous held-out period to make alarm series, judged by Molchan error diagrams
# against the catalog. Ground: one TensorFlow job per (alarm model, observatory) writes the
# series; a numpy job per window kind makes the diagrams (JSON + table), a drawing job the
# figure. Satellite: one model job per (alarm dataset, model) cuts every sequence of every
# half-orbit of the test period (eqprecursors.satellite.continuous, streamed) and writes
# P(pre-seismic) of each; a numpy job per model turns those series into (cell, day) alarms
# and diagrams (no TensorFlow there), a drawing job the figure.
# Runs, paths and options: eqprecursors.evaluation.alarm_plan (standard library only).
from eqprecursors.evaluation import alarm_plan  # noqa: E402


rule alarms_ground_predict:
    """The one TensorFlow step: a trained CNN over one observatory's held-out period."""
    input:
        model=f"{RUN_DIR}/model.keras",
        nc=DECODED_NC,
        split=f"{SPLIT}.json",
        kp=KP_CSV,
    output:
        csv=alarm_plan.GROUND_SERIES,
        json=alarm_plan.GROUND_SERIES_JSON,
    log:
        "logs/alarms_ground_predict/{dataset}_{window}_{filter}_{optimizer}_{percent}_{obs}.log",
    benchmark:
        "results/benchmarks/alarms_ground_predict/{dataset}_{window}_{filter}_{optimizer}_{percent}_{obs}.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        filter=lambda wildcards: cnn_filter(wildcards.filter),
        options=lambda wildcards: alarm_plan.ground_predict_options(config, wildcards.window),
    script:
        "../scripts/alarms_ground_predict.py"


rule alarms_ground_molchan:
    """Molchan diagrams, ASS with its null p and the probability gain, per observatory."""
    input:
        series=lambda wildcards: alarm_plan.ground_series_files(config, wildcards.window, "csv"),
        reports=lambda wildcards: alarm_plan.ground_series_files(config, wildcards.window, "json"),
        catalogs=lambda wildcards: alarm_plan.ground_catalog_files(config, wildcards.window),
    output:
        json=alarm_plan.GROUND_MOLCHAN_JSON,
        table=report(
            alarm_plan.GROUND_MOLCHAN_TABLE,
            caption="../report/alarms_ground_table.rst",
            category="Alarm evaluation",
            subcategory="Ground CNN",
        ),
    log:
        "logs/alarms_ground_molchan/{window}_{filter}.log",
    benchmark:
        "results/benchmarks/alarms_ground_molchan/{window}_{filter}.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        options=lambda wildcards: alarm_plan.ground_molchan_options(
            config, wildcards.window, wildcards.filter
        ),
    script:
        "../scripts/alarms_ground_molchan.py"


rule figure_alarms_ground:
    """The Molchan diagram of every observatory and reference measure in one panel."""
    input:
        molchan_json=alarm_plan.GROUND_MOLCHAN_JSON,
    output:
        out_png=report(
            alarm_plan.GROUND_MOLCHAN_FIGURE.replace("{ext}", "png"),
            caption="../report/alarms_ground.rst",
            category="Alarm evaluation",
            subcategory="Ground CNN",
        ),
        out_pdf=alarm_plan.GROUND_MOLCHAN_FIGURE.replace("{ext}", "pdf"),
    log:
        "logs/figure_alarms_ground/{window}_{filter}.log",
    benchmark:
        "results/benchmarks/figure_alarms_ground/{window}_{filter}.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.alarms:figure_ground_molchan",
        kwargs={},
    script:
        "../scripts/figure.py"


rule alarms_satellite_predict:
    """The one model step: a trained model over every sequence of a dataset's test period."""
    input:
        unpack(
            lambda wildcards: alarm_plan.satellite_predict_inputs(
                config, wildcards.dataset, wildcards.model
            )
        ),
    output:
        csv=alarm_plan.SATELLITE_SERIES,
        json=alarm_plan.SATELLITE_SERIES_JSON,
    log:
        "logs/alarms_satellite_predict/{dataset}_{model}.log",
    benchmark:
        "results/benchmarks/alarms_satellite_predict/{dataset}_{model}.tsv"
    wildcard_constraints:
        dataset="[0-9]{2}",
        model="[a-z]+",
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        options=lambda wildcards: alarm_plan.satellite_predict_options(config, wildcards.dataset),
    script:
        "../scripts/alarms_satellite_predict.py"


rule alarms_satellite_molchan:
    """Cell-day Molchan diagrams of one model's continuous test-period series (JSON, table)."""
    input:
        series=lambda wildcards: alarm_plan.satellite_alarm_inputs(config)["series"],
        reports=lambda wildcards: alarm_plan.satellite_alarm_inputs(config)["reports"],
        events=lambda wildcards: alarm_plan.satellite_alarm_inputs(config)["events"],
    output:
        json=alarm_plan.SATELLITE_MOLCHAN_JSON,
        table=report(
            alarm_plan.SATELLITE_MOLCHAN_TABLE,
            caption="../report/alarms_satellite_table.rst",
            category="Alarm evaluation",
            subcategory="Satellite SeqNetQuake",
        ),
    log:
        "logs/alarms_satellite_molchan/{model}.log",
    benchmark:
        "results/benchmarks/alarms_satellite_molchan/{model}.tsv"
    wildcard_constraints:
        model="[a-z]+",
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        options=lambda wildcards: alarm_plan.satellite_molchan_options(config),
    script:
        "../scripts/alarms_satellite_molchan.py"


rule figure_alarms_satellite:
    """The cell-day Molchan diagram of every alarm dataset and reference measure."""
    input:
        molchan_json=alarm_plan.SATELLITE_MOLCHAN_JSON,
    output:
        out_png=report(
            alarm_plan.SATELLITE_MOLCHAN_FIGURE.replace("{ext}", "png"),
            caption="../report/alarms_satellite.rst",
            category="Alarm evaluation",
            subcategory="Satellite SeqNetQuake",
        ),
        out_pdf=alarm_plan.SATELLITE_MOLCHAN_FIGURE.replace("{ext}", "pdf"),
    log:
        "logs/figure_alarms_satellite/{model}.log",
    benchmark:
        "results/benchmarks/figure_alarms_satellite/{model}.tsv"
    wildcard_constraints:
        model="[a-z]+",
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.alarms:figure_satellite_molchan",
        kwargs={},
    script:
        "../scripts/figure.py"

# Figures 1-8 and Tables 1, 2, S1 of the satellite study (PNG + PDF; CSV + Markdown). One
# adapter, scripts/figure.py, calls params.function ("module:function": figures in
# eqprecursors.plots, Tables 1-2 in eqprecursors.evaluation, Table S1 in
# eqprecursors.satellite) with the rule's named inputs and outputs as keyword arguments.
# Which runs each figure shows is planned by eqprecursors.satellite.plan (standard library
# only) from satellite_study.datasets, models and transfer; config is read lazily, so
# without satellite_study these rules are simply never asked for.
from eqprecursors.satellite import plan as satellite_plan  # noqa: E402

SAT_FIGURE = satellite_plan.figure_file
SAT_TABLE = satellite_plan.table_file


rule figure_satellite_example:
    """Figure 1: Ne and Te along the half-orbits that show every class, sequences shaded."""
    input:
        unpack(lambda wildcards: satellite_plan.example_inputs(config)),
    output:
        out_png=report(
            SAT_FIGURE("fig1_example", "png"),
            caption="../report/satellite_fig1.rst",
            category="Satellite SeqNetQuake",
            subcategory="Figures",
        ),
        out_pdf=SAT_FIGURE("fig1_example", "pdf"),
    log:
        "logs/figures_satellite/fig1_example.log",
    benchmark:
        "results/benchmarks/figures_satellite/fig1_example.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.satellite:figure_example",
        kwargs=lambda wildcards: satellite_plan.example_kwargs(config),
    script:
        "../scripts/figure.py"


rule figure_satellite_architecture:
    """Figure 2: SeqNetQuake as tuned, drawn from the built Keras model."""
    input:
        best_json=lambda wildcards: satellite_plan.architecture_best_json(config),
    output:
        out_png=report(
            SAT_FIGURE("fig2_architecture", "png"),
            caption="../report/satellite_fig2.rst",
            category="Satellite SeqNetQuake",
            subcategory="Figures",
        ),
        out_pdf=SAT_FIGURE("fig2_architecture", "pdf"),
    log:
        "logs/figures_satellite/fig2_architecture.log",
    benchmark:
        "results/benchmarks/figures_satellite/fig2_architecture.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.satellite:figure_architecture",
        kwargs=lambda wildcards: satellite_plan.architecture_kwargs(config),
    script:
        "../scripts/figure.py"


rule figure_satellite_comparison:
    """Figures 3-6 and 8: per-class ROC and MCC / weighted F1 / accuracy bars with CIs."""
    input:
        runs=lambda wildcards: satellite_plan.run_files(
            satellite_plan.figure_runs(config, wildcards.figure)
        ),
    output:
        out_png=report(
            SAT_FIGURE("{figure}", "png"),
            caption="../report/satellite_comparison.rst",
            category="Satellite SeqNetQuake",
            subcategory="Figures",
        ),
        out_pdf=SAT_FIGURE("{figure}", "pdf"),
    log:
        "logs/figures_satellite/{figure}.log",
    benchmark:
        "results/benchmarks/figures_satellite/{figure}.tsv"
    wildcard_constraints:
        figure=satellite_plan.FIGURE_NAME,
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.satellite_results:figure_comparison",
        kwargs=lambda wildcards: satellite_plan.comparison_kwargs(config, wildcards.figure),
    script:
        "../scripts/figure.py"


rule figure_satellite_ternary:
    """Figure 7 (TL) and Supplementary Figure 7 (DT): ternary diagrams, confusion matrix."""
    input:
        runs=lambda wildcards: satellite_plan.run_files(
            satellite_plan.figure_runs(config, wildcards.figure)
        ),
    output:
        out_png=report(
            SAT_FIGURE("{figure}", "png"),
            caption="../report/satellite_fig7.rst",
            category="Satellite SeqNetQuake",
            subcategory="Figures",
        ),
        out_pdf=SAT_FIGURE("{figure}", "pdf"),
    log:
        "logs/figures_satellite/{figure}.log",
    benchmark:
        "results/benchmarks/figures_satellite/{figure}.tsv"
    wildcard_constraints:
        figure=satellite_plan.TERNARY_NAME,
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.satellite_results:figure_ternary",
        kwargs=lambda wildcards: satellite_plan.ternary_kwargs(config, wildcards.figure),
    script:
        "../scripts/figure.py"


rule table_satellite_performance:
    """Table 1: SeqNetQuake per dataset and training mode, beside chance and confound baselines."""
    input:
        runs=lambda wildcards: satellite_plan.run_files(
            satellite_plan.table_runs(config, "table1_performance")
        ),
        baselines=lambda wildcards: satellite_plan.table_baseline_files(
            config, "table1_performance"
        ),
    output:
        out_csv=report(
            SAT_TABLE("table1_performance", "csv"),
            caption="../report/satellite_table1.rst",
            category="Satellite SeqNetQuake",
            subcategory="Tables",
        ),
        out_md=SAT_TABLE("table1_performance", "md"),
    log:
        "logs/figures_satellite/table1_performance.log",
    benchmark:
        "results/benchmarks/figures_satellite/table1_performance.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.evaluation.satellite_report:write_table_performance",
        kwargs=lambda wildcards: satellite_plan.table_kwargs(config, "table1_performance"),
    script:
        "../scripts/figure.py"


rule table_satellite_classifiers:
    """Table 2: every classifier on the target's test part (TS1), then the baselines."""
    input:
        runs=lambda wildcards: satellite_plan.run_files(
            satellite_plan.table_runs(config, "table2_classifiers")
        ),
        baselines=lambda wildcards: satellite_plan.table_baseline_files(
            config, "table2_classifiers"
        ),
    output:
        out_csv=report(
            SAT_TABLE("table2_classifiers", "csv"),
            caption="../report/satellite_table2.rst",
            category="Satellite SeqNetQuake",
            subcategory="Tables",
        ),
        out_md=SAT_TABLE("table2_classifiers", "md"),
    log:
        "logs/figures_satellite/table2_classifiers.log",
    benchmark:
        "results/benchmarks/figures_satellite/table2_classifiers.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.evaluation.satellite_report:write_table_classifiers",
        kwargs=lambda wildcards: satellite_plan.table_kwargs(config, "table2_classifiers"),
    script:
        "../scripts/figure.py"


rule table_satellite_datasets:
    """Supplementary Table S1: the dataset matrix with its counts."""
    input:
        unpack(lambda wildcards: satellite_plan.matrix_inputs(config)),
    output:
        out_csv=report(
            SAT_TABLE("tableS1_datasets", "csv"),
            caption="../report/satellite_tableS1.rst",
            category="Satellite SeqNetQuake",
            subcategory="Tables",
        ),
        out_md=SAT_TABLE("tableS1_datasets", "md"),
    log:
        "logs/figures_satellite/tableS1_datasets.log",
    benchmark:
        "results/benchmarks/figures_satellite/tableS1_datasets.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.satellite.figure_data:write_table_datasets",
        kwargs=lambda wildcards: satellite_plan.matrix_kwargs(config),
    script:
        "../scripts/figure.py"


rule table_satellite_optimism:
    """Optimism of selecting on the test set: honest, selected-on-test, their difference."""
    input:
        optimism_jsons=lambda wildcards: satellite_plan.optimism_files(config),
    output:
        out_csv=report(
            SAT_TABLE(satellite_plan.OPTIMISM_TABLE, "csv"),
            caption="../report/satellite_optimism.rst",
            category="Satellite SeqNetQuake",
            subcategory="Tables",
        ),
        out_md=SAT_TABLE(satellite_plan.OPTIMISM_TABLE, "md"),
    log:
        "logs/figures_satellite/table_optimism.log",
    benchmark:
        "results/benchmarks/figures_satellite/table_optimism.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        function="eqprecursors.satellite.optimism:write_table_optimism",
        kwargs=lambda wildcards: satellite_plan.optimism_kwargs(config),
    script:
        "../scripts/figure.py"

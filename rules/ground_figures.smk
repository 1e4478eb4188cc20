# Figures 1-8 and Tables 1-2 of the ground CNN study (PNG + PDF; CSV + Markdown). One
# adapter, scripts/figure.py, calls params.function ("module:function": figures in
# eqprecursors.plots, tables in eqprecursors.ground) with the rule's named inputs and
# outputs as keyword arguments.


rule figure_ground_map:
    """Figure 1: observatories, selected earthquakes and detectability radii."""
    input:
        catalog_csvs=expand(CATALOG_CSV, obs=CNN["observatories"]),
    output:
        out_png=report(
            figure_file("fig1_map", "png"),
            caption="../report/ground_fig1.rst",
            category="Ground CNN",
            subcategory="Figures",
        ),
        out_pdf=figure_file("fig1_map", "pdf"),
    log:
        "logs/figures_ground/fig1_map.log",
    benchmark:
        "results/benchmarks/figures_ground/fig1_map.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.ground:figure_map",
        kwargs=dict(sites=study_sites(), data_kind=CNN["data_kind"]),
    script:
        "../scripts/figure.py"


rule figure_ground_week:
    """Figure 2: one week of X, Y, Z with a one-day window shaded."""
    input:
        decoded_nc=DECODED_NC.format(obs=CNN["figures"]["observatory"]),
    output:
        out_png=report(
            figure_file("fig2_week", "png"),
            caption="../report/ground_fig2.rst",
            category="Ground CNN",
            subcategory="Figures",
        ),
        out_pdf=figure_file("fig2_week", "pdf"),
    log:
        "logs/figures_ground/fig2_week.log",
    benchmark:
        "results/benchmarks/figures_ground/fig2_week.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.ground:figure_week",
        kwargs=dict(
            start=CNN["figures"]["week_start"],
            shade_start=figure_week_shade_start(),
            data_kind=CNN["data_kind"],
        ),
    script:
        "../scripts/figure.py"


rule figure_ground_filter:
    """Figure 3: one week of Bz, unfiltered and filtered (whatever filter the sweeps use)."""
    input:
        decoded_nc=DECODED_NC.format(obs=CNN["figures"]["observatory"]),
    output:
        out_png=report(
            figure_file("fig3_filter", "png"),
            caption="../report/ground_fig3.rst",
            category="Ground CNN",
            subcategory="Figures",
        ),
        out_pdf=figure_file("fig3_filter", "pdf"),
    log:
        "logs/figures_ground/fig3_filter.log",
    benchmark:
        "results/benchmarks/figures_ground/fig3_filter.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.ground:figure_filter",
        kwargs=dict(
            filter=plan.figure_filter(config),
            start=CNN["figures"]["week_start"],
            data_kind=CNN["data_kind"],
        ),
    script:
        "../scripts/figure.py"


rule figure_ground_network:
    """Figure 4: the network diagram, drawn from the built Keras model."""
    output:
        out_png=report(
            figure_file("fig4_network", "png"),
            caption="../report/ground_fig4.rst",
            category="Ground CNN",
            subcategory="Figures",
        ),
        out_pdf=figure_file("fig4_network", "pdf"),
    log:
        "logs/figures_ground/fig4_network.log",
    benchmark:
        "results/benchmarks/figures_ground/fig4_network.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.ground:figure_network",
        kwargs=dict(
            n_samples=window_samples(CNN["experiments"]["window"]),
            dense_activation=CNN["training"]["dense_activation"],
        ),
    script:
        "../scripts/figure.py"


rule figure_ground_experiment:
    """Figures 5-7: accuracy/loss per epoch, per optimizer, per window length."""
    input:
        runs=lambda wildcards: cnn_run_files(FIGURE_EXPERIMENTS[wildcards.figure]),
    output:
        out_png=report(
            figure_file("{figure}", "png"),
            caption="../report/ground_experiment.rst",
            category="Ground CNN",
            subcategory="Figures",
        ),
        out_pdf=figure_file("{figure}", "pdf"),
    log:
        "logs/figures_ground/{figure}.log",
    benchmark:
        "results/benchmarks/figures_ground/{figure}.tsv"
    wildcard_constraints:
        figure="|".join(FIGURE_EXPERIMENTS),
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function=lambda wildcards: f"eqprecursors.plots.ground_results:{FIGURE_FUNCTIONS[wildcards.figure]}",
        kwargs=lambda wildcards: dict(
            runs=cnn_run_dicts(FIGURE_EXPERIMENTS[wildcards.figure]),
            data_kind=CNN["data_kind"],
        ),
    script:
        "../scripts/figure.py"


rule figure_ground_learning_curve:
    """Figure 8: every seed's learning curve, their mean and spread, the fit and its verdict."""
    input:
        runs=plan.learning_curve_files(config),
    output:
        out_png=report(
            figure_file("fig8_learning_curve", "png"),
            caption="../report/ground_fig8.rst",
            category="Ground CNN",
            subcategory="Figures",
        ),
        out_pdf=figure_file("fig8_learning_curve", "pdf"),
        out_json=figure_file("fig8_learning_curve", "json"),
    log:
        "logs/figures_ground/fig8_learning_curve.log",
    benchmark:
        "results/benchmarks/figures_ground/fig8_learning_curve.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.ground_results:figure_learning_curve",
        kwargs=dict(
            runs=plan.learning_curve_run_dicts(config),
            target_accuracy=CNN["experiments"]["target_accuracy"],
            data_kind=CNN["data_kind"],
        ),
    script:
        "../scripts/figure.py"


rule table_ground_observatories:
    """Table 1: observatories, data availability, provider and Mmax of the selection."""
    input:
        catalog_csvs=expand(CATALOG_CSV, obs=CNN["observatories"]),
        decoded_ncs=expand(DECODED_NC, obs=CNN["observatories"]),
    output:
        out_csv=report(
            table_file("table1_observatories", "csv"),
            caption="../report/ground_table1.rst",
            category="Ground CNN",
            subcategory="Tables",
        ),
        out_md=table_file("table1_observatories", "md"),
    log:
        "logs/figures_ground/table1_observatories.log",
    benchmark:
        "results/benchmarks/figures_ground/table1_observatories.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.ground.observatories:write_table_observatories",
        kwargs=dict(sites=study_sites()),
    script:
        "../scripts/figure.py"


rule table_ground_model:
    """Table 2: layers, output shapes and parameter counts of the built model."""
    output:
        out_csv=report(
            table_file("table2_model", "csv"),
            caption="../report/ground_table2.rst",
            category="Ground CNN",
            subcategory="Tables",
        ),
        out_md=table_file("table2_model", "md"),
    log:
        "logs/figures_ground/table2_model.log",
    benchmark:
        "results/benchmarks/figures_ground/table2_model.tsv"
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.ground.model:write_table_model",
        kwargs=dict(
            n_samples=window_samples(CNN["experiments"]["window"]),
            dense_activation=CNN["training"]["dense_activation"],
        ),
    script:
        "../scripts/figure.py"


rule figure_ground_variants:
    """Figure S1: accuracy and MCC vs learning rate and vs conv blocks, beside the baseline."""
    input:
        runs=plan.variant_run_files(config),
    output:
        out_png=report(
            figure_file(plan.VARIANTS_FIGURE, "png"),
            caption="../report/ground_variants.rst",
            category="Ground CNN",
            subcategory="Figures",
        ),
        out_pdf=figure_file(plan.VARIANTS_FIGURE, "pdf"),
        out_csv=table_file(plan.VARIANTS_TABLE, "csv"),
    log:
        f"logs/figures_ground/{plan.VARIANTS_FIGURE}.log",
    benchmark:
        f"results/benchmarks/figures_ground/{plan.VARIANTS_FIGURE}.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        function="eqprecursors.plots.ground_results:figure_variants",
        kwargs=dict(runs=plan.variant_run_dicts(config), data_kind=CNN["data_kind"]),
    script:
        "../scripts/figure.py"

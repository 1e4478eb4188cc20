# Injection-recovery sweeps (section `sensitivity`): for each (years, shape, amplitude, seed)
# point the generator writes that much data with a precursor of that shape and amplitude (0:
# none, the null, shape "none"), the study's own pipeline labels, splits, trains and scores it
# on held-out data; a table, a summary per (years, shape) (MCC per amplitude, logistic fit,
# minimum detectable amplitude, the null's p) and a figure follow. Grid, points and paths:
# eqprecursors.evaluation.sensitivity_plan; each rule's arguments: sensitivity_options;
# params are functions, so a config without a sweep never evaluates them.
from eqprecursors.evaluation import sensitivity_options, sensitivity_plan  # noqa: E402

SENSITIVITY_GROUND_POINT = sensitivity_plan.POINT_JSON.replace("{study}", "ground")
SENSITIVITY_GROUND_WORK = sensitivity_plan.POINT_DIR.replace("{study}", "ground")
SENSITIVITY_SATELLITE_POINT = sensitivity_plan.POINT_JSON.replace("{study}", "satellite")
SENSITIVITY_SATELLITE_WORK = sensitivity_plan.POINT_DIR.replace("{study}", "satellite")


# The sweep's points are many, independent and about 20 s each: scheduled after whatever
# else is ready, they fill the cores around the papers' long chains (generate, decode,
# label, split, train, alarms) instead of delaying them to the end of the run.
SENSITIVITY_PRIORITY = -1


rule sensitivity_ground_catalog:
    """A dense Gutenberg-Richter catalog around the sweep's site, one per seed (USGS csv)."""
    output:
        sensitivity_plan.GROUND_CATALOG,
    log:
        "logs/sensitivity/ground_catalog/seed{seed}.log",
    benchmark:
        "results/benchmarks/sensitivity/ground_catalog/seed{seed}.tsv"
    wildcard_constraints:
        seed=sensitivity_plan.SEED,
    conda:
        "../envs/synthetic.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        site=lambda wildcards: sensitivity_options.ground_catalog_site(config),
        options=lambda wildcards: sensitivity_options.ground_catalog_options(config, wildcards.seed),
    script:
        "../scripts/generate_catalog.py"


rule sensitivity_ground_events:
    """The generated events under the site's selection: earthquake windows and precursors."""
    input:
        sensitivity_plan.GROUND_CATALOG,
    output:
        sensitivity_plan.GROUND_EVENTS,
    log:
        "logs/sensitivity/ground_events/{years}/seed{seed}.log",
    benchmark:
        "results/benchmarks/sensitivity/ground_events/{years}/seed{seed}.tsv"
    wildcard_constraints:
        years=sensitivity_plan.YEARS,
        seed=sensitivity_plan.SEED,
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        fmt="usgs_csv",
        latitude=lambda wildcards: sensitivity_options.ground_selection_options(
            config, wildcards.years
        )["latitude"],
        longitude=lambda wildcards: sensitivity_options.ground_selection_options(
            config, wildcards.years
        )["longitude"],
        start=lambda wildcards: sensitivity_options.ground_selection_options(
            config, wildcards.years
        )["start"],
        end=lambda wildcards: sensitivity_options.ground_selection_options(
            config, wildcards.years
        )["end"],
        selection=lambda wildcards: sensitivity_options.ground_selection_options(
            config, wildcards.years
        )["selection"],
    script:
        "../scripts/select_catalog.py"


rule sensitivity_ground_exclusion:
    """Every generated event in the site's exclusion radius (quiet windows keep clear)."""
    input:
        sensitivity_plan.GROUND_CATALOG,
    output:
        sensitivity_plan.GROUND_EXCLUSION,
    log:
        "logs/sensitivity/ground_exclusion/{years}/seed{seed}.log",
    benchmark:
        "results/benchmarks/sensitivity/ground_exclusion/{years}/seed{seed}.tsv"
    wildcard_constraints:
        years=sensitivity_plan.YEARS,
        seed=sensitivity_plan.SEED,
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        fmt="usgs_csv",
        options=lambda wildcards: sensitivity_options.ground_exclusion_options(
            config, wildcards.years
        ),
    script:
        "../scripts/exclusion_catalog.py"


rule generate_sensitivity_ground:
    """One point's daily IAGA-2002 files: its amplitude before every selected event, its seed."""
    input:
        kp=KP_CSV,
        events=sensitivity_plan.GROUND_EVENTS,
    output:
        raw=temp(directory(sensitivity_plan.GROUND_RAW_DIR)),
        truth=sensitivity_plan.GROUND_TRUTH,
    log:
        "logs/sensitivity/generate_ground/{years}/{shape}/{amplitude}_seed{seed}.log",
    benchmark:
        "results/benchmarks/sensitivity/generate_ground/{years}/{shape}/{amplitude}_seed{seed}.tsv"
    wildcard_constraints:
        years=sensitivity_plan.YEARS,
        shape=sensitivity_plan.SHAPE,
        amplitude=sensitivity_plan.AMPLITUDE,
        seed=sensitivity_plan.SEED,
    priority: SENSITIVITY_PRIORITY
    conda:
        "../envs/synthetic.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        options=lambda wildcards: sensitivity_options.ground_generator_options(
            config,
            wildcards.amplitude,
            wildcards.seed,
            years=wildcards.years,
            shape=wildcards.shape,
        ),
    script:
        "../scripts/sensitivity_generate_ground.py"


rule sensitivity_ground_point:
    """Decode, label, split, train and score one point (one TensorFlow start): one row."""
    input:
        raw=sensitivity_plan.GROUND_RAW_DIR,
        events=sensitivity_plan.GROUND_EVENTS,
        kp=KP_CSV,
        truth=sensitivity_plan.GROUND_TRUTH,
        exclusion=lambda wildcards: sensitivity_options.ground_exclusion_inputs(config),
    output:
        point=SENSITIVITY_GROUND_POINT,
        work=directory(SENSITIVITY_GROUND_WORK),
    log:
        "logs/sensitivity/ground_point/{years}/{shape}/{amplitude}_seed{seed}.log",
    benchmark:
        "results/benchmarks/sensitivity/ground_point/{years}/{shape}/{amplitude}_seed{seed}.tsv"
    wildcard_constraints:
        years=sensitivity_plan.YEARS,
        shape=sensitivity_plan.SHAPE,
        amplitude=sensitivity_plan.AMPLITUDE,
        seed=sensitivity_plan.SEED,
    priority: SENSITIVITY_PRIORITY
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=6000,
    params:
        options=lambda wildcards: sensitivity_options.ground_point_options(
            config, wildcards.seed, years=wildcards.years, shape=wildcards.shape
        ),
    script:
        "../scripts/sensitivity_ground_point.py"


rule generate_sensitivity_satellite:
    """One point's half-orbit files: its Ne step (Te in proportion) before every independent
    event of the study's catalog, its seed, the settings of the sweep's dataset."""
    input:
        kp=KP_CSV,
        events=lambda wildcards: [sensitivity_options.satellite_events_file(config)],
    output:
        raw=temp(directory(sensitivity_plan.SATELLITE_RAW_DIR)),
        truth=sensitivity_plan.SATELLITE_TRUTH,
    log:
        "logs/sensitivity/generate_satellite/{years}/{shape}/{amplitude}_seed{seed}.log",
    benchmark:
        "results/benchmarks/sensitivity/generate_satellite/{years}/{shape}/{amplitude}_seed{seed}.tsv"
    wildcard_constraints:
        years=sensitivity_plan.YEARS,
        shape=sensitivity_plan.SHAPE,
        amplitude=sensitivity_plan.AMPLITUDE,
        seed=sensitivity_plan.SEED,
    priority: SENSITIVITY_PRIORITY
    conda:
        "../envs/synthetic.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        options=lambda wildcards: sensitivity_options.satellite_generator_options(
            config,
            wildcards.amplitude,
            wildcards.seed,
            years=wildcards.years,
            shape=wildcards.shape,
        ),
    script:
        "../scripts/generate_satellite.py"


rule sensitivity_satellite_point:
    """Decode, label, split, fit SeqNetQuake (fixed parameters) and score one point: one row."""
    input:
        # every amount reads the longest amount's generated mission and decodes its period
        raw=lambda wildcards: sensitivity_plan.satellite_source(
            config, sensitivity_plan.SATELLITE_RAW_DIR, wildcards
        ),
        events=lambda wildcards: sensitivity_options.satellite_events_file(config),
        kp=KP_CSV,
        truth=lambda wildcards: sensitivity_plan.satellite_source(
            config, sensitivity_plan.SATELLITE_TRUTH, wildcards
        ),
    output:
        point=SENSITIVITY_SATELLITE_POINT,
        work=directory(SENSITIVITY_SATELLITE_WORK),
    log:
        "logs/sensitivity/satellite_point/{years}/{shape}/{amplitude}_seed{seed}.log",
    benchmark:
        "results/benchmarks/sensitivity/satellite_point/{years}/{shape}/{amplitude}_seed{seed}.tsv"
    wildcard_constraints:
        years=sensitivity_plan.YEARS,
        shape=sensitivity_plan.SHAPE,
        amplitude=sensitivity_plan.AMPLITUDE,
        seed=sensitivity_plan.SEED,
    priority: SENSITIVITY_PRIORITY
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=6000,
    params:
        options=lambda wildcards: sensitivity_options.satellite_point_options(
            config, wildcards.seed, years=wildcards.years, shape=wildcards.shape
        ),
    script:
        "../scripts/sensitivity_satellite_point.py"


rule sensitivity_table:
    """One sweep's points in one table: years, shape, amplitude, seed, n, MCC, F1, AUC, p and
    their support."""
    input:
        lambda wildcards: sensitivity_plan.point_files(config, wildcards.study),
    output:
        report(
            sensitivity_plan.TABLE_CSV,
            caption="../report/sensitivity_table.rst",
            category="Injection-recovery",
        ),
    log:
        "logs/sensitivity/table_{study}.log",
    benchmark:
        "results/benchmarks/sensitivity/table_{study}.tsv"
    wildcard_constraints:
        study="|".join(sensitivity_plan.STUDIES),
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../scripts/sensitivity_table.py"


rule sensitivity_summary:
    """Per (years, shape): MCC per amplitude across seeds, logistic fit (A50, A90), detectable
    amplitude, null."""
    input:
        table_csv=sensitivity_plan.TABLE_CSV,
    output:
        out_json=sensitivity_plan.SUMMARY_JSON,
        out_md=sensitivity_plan.SUMMARY_MD,
    log:
        "logs/sensitivity/summary_{study}.log",
    benchmark:
        "results/benchmarks/sensitivity/summary_{study}.tsv"
    wildcard_constraints:
        study="|".join(sensitivity_plan.STUDIES),
    conda:
        "../envs/ml.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        function=sensitivity_plan.SUMMARY_FUNCTION,
        kwargs=lambda wildcards: sensitivity_options.summary_options(config, wildcards.study),
    script:
        "../scripts/figure.py"


rule figure_sensitivity:
    """MCC against injected amplitude with its band across seeds, the fit and the null, one
    curve per (years, shape)."""
    input:
        summary=sensitivity_plan.SUMMARY_JSON,
    output:
        out_png=report(
            sensitivity_plan.FIGURE_PNG,
            caption="../report/sensitivity.rst",
            category="Injection-recovery",
        ),
        out_pdf=sensitivity_plan.FIGURE_PDF,
    log:
        "logs/sensitivity/figure_{study}.log",
    benchmark:
        "results/benchmarks/sensitivity/figure_{study}.tsv"
    wildcard_constraints:
        study="|".join(sensitivity_plan.STUDIES),
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        kwargs=lambda wildcards: sensitivity_options.figure_options(config, wildcards.study),
    script:
        "../scripts/sensitivity_figure.py"

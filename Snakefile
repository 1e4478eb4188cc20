# eqprecursors: end-to-end reproducible workflow for deep-learning studies of earthquake
# precursors in ground geomagnetic and satellite ionospheric data.
from snakemake.utils import min_version

min_version("9.0")


# The default config, unless config files are given (`--configfile config/paper.yaml`): those
# replace it rather than merge into it. Not `--replace-workflow-config`: Snakemake 9 does not
# pass that flag on to the jobs it spawns (SLURM, --mode remote), which then merged
# config/config.yaml under the given file and ran with another config than the submit host.
# Spawned jobs get the files as `--configfiles` too, so both sides skip the default alike.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/synthetic.smk"
include: "rules/satellite_data.smk"
include: "rules/ground.smk"
include: "rules/ground_figures.smk"
include: "rules/satellite.smk"
include: "rules/satellite_models.smk"
include: "rules/satellite_figures.smk"
include: "rules/evaluation.smk"
include: "rules/sensitivity.smk"
include: "rules/alarms.smk"


# Rules that need the internet or only draw: on a cluster they run on the login node.
localrules:
    download_intermagnet,
    download_catalog,
    download_satellite_catalog,
    download_kp,
    figure_synthetic_overview,
    metrics_table_ground,
    figure_ground_map,
    figure_ground_week,
    figure_ground_filter,
    figure_ground_experiment,
    figure_ground_learning_curve,
    figure_ground_variants,
    table_ground_observatories,
    figure_satellite_example,
    figure_satellite_comparison,
    figure_satellite_ternary,
    table_satellite_performance,
    table_satellite_classifiers,
    table_satellite_datasets,
    table_satellite_optimism,
    tune_satellite,
    evaluate_satellite,
    evaluate_satellite_transfer,
    transfer_satellite_dt,
    sensitivity_table,
    sensitivity_summary,
    figure_sensitivity,
    alarms_ground_molchan,
    figure_alarms_ground,
    alarms_satellite_molchan,
    figure_alarms_satellite,


rule all:
    default_target: True
    input:
        plan.all_targets(config),
        satellite_plan.targets(config) if "satellite_study" in config else [],
        sensitivity_plan.targets(config),
        alarm_plan.targets(config),


# One line per study (what finished, where its tables and figures are), for `make run` and
# for a plain `snakemake --cores N` alike; from rule all's own target lists.
onsuccess:
    from eqprecursors.evaluation import study_summary

    for line in study_summary.summary_lines(config):
        print(line)

# eqprecursors: end-to-end reproducible workflow for deep-learning studies of earthquake
# precursors in ground geomagnetic and satellite ionospheric data.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/synthetic.smk"
include: "rules/ground.smk"
include: "rules/ground_figures.smk"


# Rules that need the internet or only draw: on a cluster they run on the login node.
localrules:
    download_intermagnet,
    download_catalog,
    download_kp,
    figure_synthetic_overview,
    metrics_table_ground,
    figure_ground_map,
    figure_ground_week,
    figure_ground_filter,
    figure_ground_experiment,
    figure_ground_learning_curve,
    table_ground_observatories,


rule all:
    default_target: True
    input:
        plan.all_targets(config),

# eqprecursors: end-to-end reproducible workflow for deep-learning studies of earthquake
# precursors in ground geomagnetic and satellite ionospheric data.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "rules/common.smk"
include: "rules/download.smk"
include: "rules/decode.smk"
include: "rules/catalog.smk"
include: "rules/kp.smk"
include: "rules/synthetic.smk"


rule all:
    default_target: True
    input:
        all_targets(),

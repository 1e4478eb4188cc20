"""Snakemake adapter: write a synthetic USGS-csv catalog around one observatory."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from eqprecursors.synthetic.files import generate_catalog_file  # noqa: E402

generate_catalog_file(snakemake.output[0], site=snakemake.params.site, **snakemake.params.options)

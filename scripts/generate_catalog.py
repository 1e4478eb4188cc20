"""Snakemake adapter: write a synthetic USGS-csv catalog around one observatory."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.synthetic.files import generate_catalog_file  # noqa: E402

generate_catalog_file(snakemake.output[0], site=snakemake.params.site, **snakemake.params.options)

"""Snakemake adapter: fetch one URL atomically, with retries and a format check."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.sources import http as download  # noqa: E402

download.fetch_for_rule(
    snakemake.params.url,
    snakemake.output[0],
    validator=snakemake.params.validator,
    **snakemake.params.http,
)

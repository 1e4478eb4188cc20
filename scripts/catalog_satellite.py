"""Snakemake adapter: decluster one satellite's catalog and add the artificial events."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.satellite.events import make_events  # noqa: E402

make_events(
    list(snakemake.input) if len(snakemake.input) > 1 else snakemake.input[0],
    snakemake.output.events,
    snakemake.output.report,
    **snakemake.params.options,
)

"""Snakemake adapter: the injection-recovery figure of one sweep, from its summary JSON."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.core.reports import read_json  # noqa: E402
from eqprecursors.plots.evaluation import figure_sensitivity  # noqa: E402

figure_sensitivity(
    read_json(snakemake.input.summary),
    snakemake.output.out_png,
    out_pdf=snakemake.output.out_pdf,
    **snakemake.params.kwargs,
)

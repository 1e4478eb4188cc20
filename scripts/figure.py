"""Snakemake adapter: one figure or table of either study.

``params.function`` names the entry point as ``"module:function"``, e.g.
``"eqprecursors.plots.ground:figure_map"`` (figures draw in ``plots``; the ground Tables
1-2 are written by ``eqprecursors.ground.observatories`` / ``eqprecursors.ground.model``,
the satellite Tables 1-2 by ``eqprecursors.evaluation.satellite_report`` and Table S1 by
``eqprecursors.satellite.figure_data``). It is
called with the rule's named inputs and outputs as keyword arguments (``runs`` inputs only
order the DAG) plus ``params.kwargs``.
"""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])  # TensorFlow (network figures, Table 2) logs to descriptor 2

from importlib import import_module  # noqa: E402

module, _, name = snakemake.params.function.partition(":")
files = {
    key: value if isinstance(value, str) else list(value)
    for key, value in [*snakemake.input.items(), *snakemake.output.items()]
    if key != "runs"
}
getattr(import_module(module), name)(**files, **snakemake.params.kwargs)

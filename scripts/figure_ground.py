"""Snakemake adapter: one figure or table of the ground CNN study.

Calls ``eqprecursors.plots.ground.<params.function>`` with the rule's named inputs and
outputs as keyword arguments (``runs`` inputs only order the DAG) plus ``params.kwargs``.
"""

import sys

sys.stderr = open(snakemake.log[0], "w")

from eqprecursors.plots import ground  # noqa: E402

files = {
    name: value if isinstance(value, str) else list(value)
    for name, value in [*snakemake.input.items(), *snakemake.output.items()]
    if name != "runs"
}
getattr(ground, snakemake.params.function)(**files, **snakemake.params.kwargs)

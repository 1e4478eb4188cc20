"""eqprecursors: domain logic for the earthquake-precursor workflow.

Every Snakemake script in ``scripts/`` is a thin adapter that calls into this package,
so the science is importable, unit-testable and independent of Snakemake.
"""

__version__ = "0.1.0"

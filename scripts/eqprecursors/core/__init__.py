"""Project-wide helpers that every room may import and that import no other room.

Times (``times``, and ``dates`` without numpy for the DAG), geodesy, strict JSON and
Markdown tables (``reports``), atomic outputs, splits of labelled windows and the
TensorFlow runtime set-up (``runtime``).
"""

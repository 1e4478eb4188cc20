"""Evaluation of trained models: metrics, bootstrap intervals and permutation tests.

Later: confound baselines, alarms, Molchan diagrams and injection-recovery. May import
``core``, ``io``, ``ground`` and ``satellite``.
"""

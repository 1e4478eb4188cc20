"""Figures: draw what ``ground``, ``satellite`` and ``evaluation`` computed.

``style`` is the shared house style; ``ground`` and ``ground_results`` are the ground
study's Figures 1-4 and 5-8, ``synthetic`` the synthetic-data overview. May import every
other room.
"""

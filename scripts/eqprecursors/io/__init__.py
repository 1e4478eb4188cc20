"""Every file format the workflow reads or writes, each with its format sniffer.

IAGA-2002 (``iaga``; its writer ``iaga_writer``), earthquake catalogs (``catalogs``: USGS
csv, ISC CATCSV, QuakeML, ISF), Kp (``kp``: CelesTrak, GFZ text and JSON, OMNI2) and the
satellite formats (``satellite``: DEMETER-like CDF and CSES Level-2 HDF5); ``parsing`` runs
a reader so that every failure names the file. Imports only ``core``.
"""

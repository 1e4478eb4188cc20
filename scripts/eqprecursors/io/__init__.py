"""Every file format the workflow reads or writes, each with its format sniffer.

IAGA-2002 (``iaga``; its writer ``iaga_writer``), earthquake catalogs (``catalogs``: USGS
csv, ISC CATCSV, QuakeML, ISF), Kp (``kp``: CelesTrak, GFZ text and JSON, OMNI2) and the
satellite formats (``cdf``: any CDF, EPOCH/EPOCH16/TT2000 times; ``cses``: CSES Level-2
HDF5; ``demeter``: DEMETER Level-1 ISL binary; ``satellite``: the generator's DEMETER-like CDF
and CSES-like HDF5 writers, file names and orbit ids); ``parsing`` runs
a reader so that every failure names the file. Imports only ``core``.
"""

"""Every file format the workflow reads or writes, each with its format sniffer.

IAGA-2002 (``iaga``; its writer ``iaga_writer``), earthquake catalogs (``catalogs``: USGS
csv and CSEP csv, and the entry point; ``catalog_formats``: QuakeML 1.0/1.2, ISC CATCSV,
ISF), Kp (``kp``: CelesTrak, GFZ text and JSON, OMNI2) and the satellite formats (``cdf``:
any CDF, EPOCH/EPOCH16/TT2000 times, with ``cdf_guard`` checking a file's internal records
before cdflib walks them; ``cses``: CSES Level-2 HDF5; ``demeter``: DEMETER Level-1 ISL
binary; ``satellite``: the generator's DEMETER-like CDF and CSES-like HDF5 writers, file
names and orbit ids); ``parsing`` holds ``FormatError``, the base of every reader's error
(a ValueError naming the file), and runs readers so that library errors become it.
Imports only ``core``.
"""

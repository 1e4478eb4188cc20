# Satellite data layer: one along-track series per satellite (issue 9, decode).


rule decode_satellite:
    """One satellite's half-orbit files (CSES HDF5, CDF, DEMETER L1) -> one netCDF series."""
    input:
        raw=satellite_raw_files,
    output:
        DECODED_SATELLITE_NC,
    log:
        "logs/decode_satellite/{sat}.log",
    benchmark:
        "results/benchmarks/decode_satellite/{sat}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        options=satellite_decode_options,
    script:
        "../scripts/decode_satellite.py"

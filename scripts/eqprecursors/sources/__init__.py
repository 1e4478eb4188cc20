"""Remote data services: HTTP fetching with retries (``http``) and URL builders (``urls``).

``urls`` imports only the standard library, so the DAG can build request URLs without
loading numpy; ``http`` checks each body with the sniffers of ``eqprecursors.io``.
"""

"""Satellite study (Xiong et al. 2021, doi:10.3389/fenvs.2021.779255, SeqNetQuake).

Empty until the satellite study lands (issue 9). It will hold: the decoder of DEMETER and
CSES Langmuir-probe files into one along-track series per satellite (reading through
``eqprecursors.io.satellite``), declustering and artificial events of the catalog, the
three-class labels (non-seismic / pre-seismic / storm with Kp > 3), the CNN+BiLSTM and its
tuning, the five baselines and transfer learning from DEMETER to CSES. Imports ``core``
and ``io``, never ``ground``.
"""

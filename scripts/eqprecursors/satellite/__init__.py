"""Satellite study (Xiong et al. 2021, doi:10.3389/fenvs.2021.779255, SeqNetQuake).

One module per stage (decode -> events -> sequences -> split -> tuning -> training ->
transfer; the metrics are :mod:`eqprecursors.evaluation.multiclass`):

* ``decode``: DEMETER and CSES half-orbit files (read through :mod:`eqprecursors.io`) into
  one along-track series per satellite at the study cadence (netCDF).
* ``events``: a mission period of the global catalog, declustered, plus artificial events.
* ``sequences``: non-overlapping sequences of T samples, labelled non-seismic / pre-seismic /
  storm (Kp > threshold), night or day, in the dataset files.
* ``split``: chronological train/test split (TR0/TS0, TR1/TS1), no sequence spanning it.
* ``parts``: one part (train or test) of a dataset, read without touching the rest.
* ``search``: the authors' hyperparameter spaces, their caps and pins, Optuna sampling.
* ``model``: SeqNetQuake (CNN+BiLSTM) and the Keras baselines DNN, CNN, LSTM.
* ``training``: preprocessing, fitting (Keras, or GBM / RF) and test-part predictions.
* ``tuning``: the Optuna TPE study on the training part only (inner validation part).
* ``transfer``: IT, TL (fine-tuned, all layers) and DT from DEMETER to CSES.
* ``continuous``: every sequence of a dataset's test period (all passes, all cells), cut as
  ``sequences`` does, and a model's class probabilities of each, for the continuous alarms.
* ``layout``: where every file lies, the dataset matrix and the labelling and split options
  (stdlib only); ``plan``: which runs each figure and table shows (stdlib only).
* ``figure_data``: what Figures 1-2 and Supplementary Table S1 show, from the study's files.

Imports ``core`` and ``io``, never ``ground``.
"""

"""Typed, versioned records of the files passed between stages, with their one writer and one reader.

The bottom layer of the stage glue: modules here import only ``errors``, ``fileio``, ``fileread``,
``constants`` and ``config`` (never data, basis, model, train, predict, evaluate, stages or cli), so any
stage can read any other stage's output through one record.

* ``chains``: where the chain records of a featurize output are (``chains/<name>.npz``, manifests).
* ``split``: ``splits/<split>.csv`` (names of a split).
* ``spectrum``: the bases stage's ``spectrum.json``.
* ``predictions``: predict's sample names, ``summary.csv`` rows and per-sample JSON.
* ``ledger``: the rows of rejected inputs every stage writes.
"""

"""Stage runners: the library functions behind the ``protein-rgdm`` stage commands that read and write files.

They sit above the maths rooms (structure, basis, schedules, diffusion, model) and the data stages, and pass
files to each other only through the typed records of ``protein_rgdm.artifacts``.

* ``bases``: chain records → ``spectrum.json`` + ``spectrum.npz`` + ``skipped.csv``.
* ``embed``: chain records → per-chain embedding files + ``manifest.csv`` + ``failed.tsv``.
"""

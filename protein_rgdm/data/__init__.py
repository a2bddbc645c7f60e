"""Data stages: fetch structure files, featurize them into chain records, split into train / val / test."""

__all__: list[str] = []

"""Structure prediction for new sequences from a trained checkpoint.

``inputs`` reads FASTA / CSV / folders with safe ids, ``engine`` loads the checkpoint once and
samples, ``ranking`` scores samples without a reference, ``writer`` writes Cα PDB / mmCIF, and
``runner`` ties them together with batching, seeds, failures and resumable output.
"""

from protein_rgdm.predict.inputs import InputFailure, SequenceRecord, read_sequences, sanitize_id
from protein_rgdm.predict.ranking import ensemble_consistency, rank_descending
from protein_rgdm.predict.runner import PredictionRun, derive_seed, predict_records

__all__ = [
    "InputFailure",
    "PredictionRun",
    "SequenceRecord",
    "derive_seed",
    "ensemble_consistency",
    "predict_records",
    "rank_descending",
    "read_sequences",
    "sanitize_id",
]

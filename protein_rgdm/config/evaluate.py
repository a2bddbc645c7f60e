"""Configuration of ``protein-rgdm evaluate`` (scoring) and ``protein-rgdm report`` (tables, plots)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from protein_rgdm.config.base import StrictModel

__all__ = ["EvaluateConfig", "PublishedResult", "ReportConfig"]


class EvaluateConfig(StrictModel):
    """How models are matched to references and scored.

    Paths (predictions, references, output, mapping file) are command-line arguments.
    """

    matching: Literal["sequence", "numbering"] = Field(
        "sequence",
        description="'sequence': align model sequence to the reference's observed residues (TMscore -seq); "
        "'numbering': equal residue numbers (plain TMscore). An explicit mapping file overrides both.",
    )
    min_seq_identity: float = Field(
        0.9, ge=0.0, le=1.0, description="refuse a pair whose matched residues agree in fewer than this fraction"
    )
    min_matched: int = Field(3, ge=1, description="refuse a pair with fewer matched residues")
    reference_chain: str | None = Field(None, description="author chain id read from references (None: first protein chain)")
    max_iterations: int = Field(20, ge=1, le=1000, description="select-superpose iterations per seed (TMscore: 20)")
    progress: bool = Field(True, description="show a progress bar")


class PublishedResult(StrictModel):
    """A published benchmark figure set, shown beside ours for the same aggregation (medians over targets)."""

    name: str = Field(description="who and what, e.g. 'EigenFold (Jing et al. 2023), CAMEO 2022'")
    aggregation: Literal["first_sample", "top_ranked", "mean_over_samples", "oracle_best_of_n"] = Field(
        "top_ranked", description="which of our aggregations the published numbers correspond to"
    )
    median: dict[Literal["tm", "rmsd", "gdt_ts", "gdt_ha", "lddt"], float] = Field(
        description="published median per metric (rmsd in Å, the others as fractions)"
    )


class ReportConfig(StrictModel):
    """What the report shows."""

    title: str = Field("protein_rgdm evaluation", description="heading of the Markdown / HTML report")
    max_target_rows: int = Field(500, ge=1, description="per-target table rows shown (the CSV has all)")
    dpi: int = Field(120, ge=50, le=600, description="resolution of the PNG plots")
    published: list[PublishedResult] = Field(
        default_factory=list, description="published results to set beside ours (a comparison table)"
    )

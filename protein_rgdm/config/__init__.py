"""Typed configuration: one pydantic model per stage, loaded from YAML, validated at the edge.

``base`` holds the machinery (strict models, YAML loading with errors naming key and file,
writing the resolved config beside an output). Each stage's schema lives next to its
name here (``config.data``, ``config.diffusion``, ...) and is passed down as a narrow piece.
"""

from protein_rgdm.config.base import StrictModel, dump_config, load_config, load_yaml_mapping

__all__ = ["StrictModel", "load_config", "dump_config", "load_yaml_mapping"]

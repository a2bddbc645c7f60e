"""Exception types. The CLI turns any of these into one line on stderr and a non-zero exit."""

__all__ = ["ProteinRGDMError", "InputError", "ConfigError"]


class ProteinRGDMError(Exception):
    """Base class of every error the package raises on purpose."""


class InputError(ProteinRGDMError, ValueError):
    """Bad input data: the message names the file, record or parameter at fault."""


class ConfigError(ProteinRGDMError, ValueError):
    """A configuration that cannot be used: the message names the key and the file."""

"""Errors the user can act on. The CLI prints their message on one line and exits with status 2."""


class NewswatchError(Exception):
    """Base class: a problem with input, configuration or environment, reported without a traceback."""

    exit_code = 2


class InputError(NewswatchError):
    """The input file or page cannot be used (missing, empty, binary, undecodable)."""


class NoArticleError(NewswatchError):
    """The page was read but holds no article body."""


class ConfigError(NewswatchError):
    """The configuration file is invalid; the message names the offending key."""


class StorageError(NewswatchError):
    """The database cannot be opened or written (read-only, full, locked for too long)."""

"""Errors a user can cause and fix. Each says what went wrong and where, on one line."""

from __future__ import annotations

from pathlib import Path


class ModerationError(Exception):
    """Base class: anything here is shown to the user as one line, never as a traceback."""


class InputError(ModerationError):
    """An input file cannot be read: wrong encoding, binary, truncated or unreadable."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path, self.line, self.message = str(path), line, message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # errors cross processes (a Ray read task) with their fields
        return type(self), (self.path, self.message, self.line)


class RuleFileError(ModerationError):
    """A rule file is not valid: YAML syntax, unknown keys, bad conditions."""

    def __init__(
        self, path: Path | str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path, self.line, self.column, self.message = str(path), line, column, message
        where = self.path
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}")

    def __reduce__(self):
        return type(self), (self.path, self.message, self.line, self.column)


class ModelError(ModerationError):
    """A scoring model cannot be loaded or run."""


class StoreError(ModerationError):
    """The store cannot be opened, or it was written by a newer version."""


class SettingsError(ModerationError):
    """A settings file or option has a value that cannot be used."""


class ApiError(ModerationError):
    """A live API request that cannot be answered: HTTP code, Google-style status, message."""

    def __init__(self, code: int, status: str, message: str) -> None:
        self.code, self.status, self.message = code, status, message
        super().__init__(message)

    def __reduce__(self):
        return type(self), (self.code, self.status, self.message)

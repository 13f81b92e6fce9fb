"""The one error raised for bad guidance or overlay files."""

from __future__ import annotations

from pathlib import Path


class GuidanceError(ValueError):
    """A guidance or overlay file is invalid. Names the file, the line (1-based) and the problem."""

    def __init__(self, file: str | Path, line: int | None, problem: str) -> None:
        self.file = str(file)
        self.line = line
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{where}: {self.problem}"

    def __reduce__(self):  # keep picklable despite the custom __init__
        return (type(self), (self.file, self.line, self.problem))

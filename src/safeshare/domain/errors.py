"""Errors a use case raises; adapters turn each into a 4xx that names the problem."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


class SafeShareError(Exception):
    """Base of every error that is the caller's to fix, never a server fault."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()):
        super().__init__(message)
        self.message = message
        self.problems = problems


class InvalidInput(SafeShareError):
    @classmethod
    def of(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", (Problem(field, message),))


class NotFound(SafeShareError):
    """Also raised where the thing exists but the actor may not know that it does."""


class Forbidden(SafeShareError):
    pass


class Conflict(SafeShareError):
    @classmethod
    def of(cls, field: str, message: str) -> Conflict:
        return cls(f"{field}: {message}", (Problem(field, message),))


class AuthenticationFailed(SafeShareError):
    pass

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


class TooManyAttempts(SafeShareError):
    """Throttled: the same answer whichever limit was reached, and whether or not the account exists."""

    def __init__(self, retry_after_seconds: int):
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(f"too many attempts to sign in: wait {minutes} minute{'s' if minutes > 1 else ''} and try again")
        self.retry_after_seconds = retry_after_seconds


class ServiceUnavailable(SafeShareError):
    """Something sign-in depends on cannot be reached; it refuses rather than going on unprotected."""

"""argon2id hashing (the argon2-cffi defaults follow RFC 9106's recommendations), and what a new password must be."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from safeshare.domain.errors import InvalidInput

if TYPE_CHECKING:
    from safeshare.store.unit_of_work import UnitOfWork

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase or password manager (ASVS 6.2.9 asks for at least 64); argon2 hashes any length.
MAX_PASSWORD_LENGTH = 128
# zxcvbn's estimate of how many guesses the password takes: 3 is "safely unguessable" to an online attacker
# (10^8 guesses and more), which throttling and lock-out turn into centuries.
MIN_STRENGTH_SCORE = 3
# zxcvbn's work grows faster than the length: it judges this much, so a long password cannot tie up the server.
# A password whose first 64 characters are strong is at least as strong with the rest.
_JUDGED_LENGTH = 64
# Words anyone attacking a SafeShare account would try first (ASVS 6.2.11), besides the person's own name and
# email address and the names of the partnership's agencies, which `password_context` adds.
CONTEXT_WORDS = (
    "safeshare", "safe share", "safeguarding", "safeguard", "partnership", "information sharing", "child protection",
    "children", "early help", "caldicott", "practitioner", "password",
)
# A password made mostly of those words is refused even when zxcvbn scores it well, because it counts a run of
# several such words as many guesses although an attacker who knows the context tries them first.
_MOST_FROM_CONTEXT = 0.5
# Verifying against this keeps the time of an unknown-email sign-in equal to a wrong-password one.
_DUMMY_HASH = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_context(uow: UnitOfWork, name: str, email: str, new_agency: str | None = None) -> list[str]:
    """The words a new password must not be built from: the person's name and email address, every agency's
    name (their own among them, or `new_agency` while it is being made), each with its parts, and CONTEXT_WORDS."""
    words = [name, *name.split(), email, *email.replace("@", ".").split(".")]
    for agency in [*uow.agencies.names(), *([new_agency] if new_agency else [])]:
        words += [agency, *agency.split()]
    return [w.lower() for w in (*words, *CONTEXT_WORDS) if len(w) >= 3]


def check_password_strength(password: str, context: Iterable[str] = CONTEXT_WORDS) -> None:
    """Refuse a new password that is short, too long, common, easy to guess, or built from `context`; any
    characters are allowed (ASVS 6.2.4, 6.2.5, 6.2.9, 6.2.11). The message is zxcvbn's advice."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.of("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput.of("password", f"must be at most {MAX_PASSWORD_LENGTH} characters long")
    judged = password[:_JUDGED_LENGTH]
    result = zxcvbn(judged, user_inputs=list(context), max_length=_JUDGED_LENGTH)
    from_context = sum(len(m["token"]) for m in result["sequence"] if m.get("dictionary_name") == "user_inputs")
    if from_context >= _MOST_FROM_CONTEXT * len(judged):
        raise InvalidInput.of(
            "password", "is made mostly of words anyone could guess from your name, email address, agency or this service: "
            "add words of your own that have nothing to do with them"
        )
    if result["score"] < MIN_STRENGTH_SCORE:
        feedback = result["feedback"]
        advice = " ".join(part for part in (feedback["warning"], *feedback["suggestions"]) if part)
        raise InvalidInput.of("password", "is too easy to guess. " + (advice or "Add another word or two. Uncommon words are better."))

"""Check-digit and format rules for identifiers practitioners type in by hand."""

from __future__ import annotations

import re

_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # DfE's 23 check letters: no I, O or S
_ICO_REGISTRATION = re.compile(r"^Z[A-Z0-9][0-9]{6}$")

# How each identifier is published in the JSON Schema: its shape as a pattern (empty means none given), and a named
# format for the check digit a pattern cannot state. Clients and the contract test generate valid ones by name.
NHS_NUMBER_SCHEMA = {"format": "nhs-number", "pattern": r"^$|^[ -]*(?:[0-9][ -]*){10}$"}
UPN_SCHEMA = {"format": "unique-pupil-number", "pattern": r"^$|^[A-Za-z][0-9]{11}[0-9A-Za-z]$"}
ICO_REGISTRATION_SCHEMA = {"format": "ico-registration", "pattern": r"^$|^[Zz][A-Za-z0-9][0-9]{6}$"}


def normalise_nhs_number(raw: str) -> str:
    """Return the ten digits of a valid NHS number, or raise ValueError saying why."""
    digits = re.sub(r"[ -]", "", raw)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValueError("an NHS number has 10 digits")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise ValueError("the NHS number's check digit is wrong: please check it was typed correctly")
    return digits


def normalise_upn(raw: str) -> str:
    """Return a valid unique pupil number in upper case, or raise ValueError saying why.

    A temporary UPN ends in a letter; its value in the check sum is its place in the check-letter list.
    """
    upn = raw.strip().upper()
    if not re.fullmatch(r"[A-Z][0-9]{11}[0-9A-Z]", upn):
        raise ValueError("a unique pupil number is a letter followed by 11 digits and a digit or letter")
    total = 0
    for weight, char in zip(range(2, 14), upn[1:], strict=True):
        if char.isdigit():
            value = int(char)
        elif char in _UPN_LETTERS:
            value = _UPN_LETTERS.index(char)
        else:
            raise ValueError(f"'{char}' cannot end a temporary unique pupil number")
        total += weight * value
    if _UPN_LETTERS[total % 23] != upn[0]:
        raise ValueError("the unique pupil number's check letter is wrong: please check it was typed correctly")
    return upn


def normalise_ico_registration(raw: str) -> str:
    value = raw.strip().upper()
    if not _ICO_REGISTRATION.fullmatch(value):
        raise ValueError("an ICO registration number is Z followed by a letter or digit and six digits, e.g. ZA123456")
    return value

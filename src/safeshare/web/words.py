"""Names for the guidance's vocabularies (purposes, gateways, lawful bases), read from the guidance data."""

from __future__ import annotations

from safeshare.guidance import Guidance


def purpose_labels(guidance: Guidance) -> dict[str, str]:
    return {p.id: p.label for p in guidance.purposes() if not p.local}


def option_labels(guidance: Guidance, field: str) -> dict[str, str]:
    question = guidance.question_for_field(field)
    return {str(o.value): o.label for o in question.options} if question else {}


def basis_labels(guidance: Guidance) -> dict[str, str]:
    return {b.id: b.label for b in guidance.lawful_bases()}

"""Read-only views of an installed guidance, for pages, journeys and documentation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from safeshare.domain.advice import Citation, InformDecision, Outcome, RecordField

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Source(BaseModel):
    """A document the guidance cites."""

    model_config = _FROZEN

    id: str
    title: str
    publisher: str | None = None
    date: str | None = None
    file: str | None = None
    url: str | None = None


class GuidanceVersion(BaseModel):
    """One installed guidance version, as listed by the registry."""

    model_config = _FROZEN

    id: str
    title: str
    kind: str = Field(description="'national' or 'local'.")
    published: str
    summary: str | None = None
    default: bool = False
    extends: str | None = None
    content_hash: str
    path: str


class QuestionOption(BaseModel):
    model_config = _FROZEN

    value: str | bool | int | None
    label: str
    help: str | None = None


class GuidanceLink(BaseModel):
    """A golden rule, principle or myth of the same guidance that helps with a question."""

    model_config = _FROZEN

    kind: str = Field(description="golden_rule, principle or myth.")
    id: str
    title: str


class Question(BaseModel):
    """One question of the journey. Answering it sets `field` on CaseFacts."""

    model_config = _FROZEN

    id: str
    field: str = Field(description="The CaseFacts field this question sets.")
    input: str = Field(description="choice, multi_choice, yes_no, number, text or text_list.")
    text: str
    help: str
    options: tuple[QuestionOption, ...] = ()
    ask_when: dict[str, Any] | None = Field(default=None, description="Condition on earlier answers; null means always ask.")
    citation: Citation
    requirements: tuple[str, ...] = ()
    see_also: tuple[GuidanceLink, ...] = ()


class BranchInfo(BaseModel):
    model_config = _FROZEN

    id: str
    when: dict[str, Any] | None
    outcome: Outcome | None = None
    route: str | None = None
    next: str | None = None
    explanation: str
    citation: Citation


class StepInfo(BaseModel):
    """A decision step of the flow, for drawing the flowchart or documenting it."""

    model_config = _FROZEN

    id: str
    text: str
    asks: tuple[str, ...] = Field(description="Question ids whose answers the step reads.")
    citation: Citation
    requirements: tuple[str, ...] = ()
    branches: tuple[BranchInfo, ...]


class GoldenRule(BaseModel):
    model_config = _FROZEN

    id: str
    number: int
    title: str
    text: str
    citation: Citation


class Myth(BaseModel):
    model_config = _FROZEN

    id: str
    myth: str
    reality: str
    citation: Citation


class PurposeInfo(BaseModel):
    """A purpose category, or a local purpose that refines one."""

    model_config = _FROZEN

    id: str
    label: str
    help: str
    category: str = Field(description="The PurposeCategory this belongs to (itself, for a category).")
    local: bool = False
    citation: Citation | None = None


class RecordFieldInfo(BaseModel):
    model_config = _FROZEN

    id: RecordField
    label: str
    help: str
    citation: Citation


class OutcomeInfo(BaseModel):
    model_config = _FROZEN

    id: Outcome
    label: str
    help: str


class InformRuleInfo(BaseModel):
    model_config = _FROZEN

    id: str
    when: dict[str, Any] | None
    decision: InformDecision
    reason: str
    citation: Citation

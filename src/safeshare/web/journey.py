"""The "Should I share?" journey: one question a page, driven entirely by the guidance data.

Which questions to ask, in which order, and what they mean all come from the guidance engine
(`Guidance.questions_for`); this module only keeps the answers between pages and turns what was
typed into the value the question's CaseFacts field takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from safeshare.domain.advice import CaseFacts
from safeshare.guidance import Guidance, Question
from safeshare.web.forms import Form, validation_message

NONE_OF_THESE = "__none__"


@dataclass
class Journey:
    """What the practitioner has answered so far, and who the decision is about, if they said."""

    answers: dict[str, Any] = field(default_factory=dict)
    subject_ids: list[str] = field(default_factory=list)
    request_id: str | None = None  # answering a request for information through the decision aid

    def to_json(self) -> dict[str, Any]:
        return {"answers": self.answers, "subject_ids": self.subject_ids, "request_id": self.request_id}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Journey | None:
        if not isinstance(data, dict):
            return None
        answers = data.get("answers")
        subjects = data.get("subject_ids")
        request_id = data.get("request_id")
        if not isinstance(answers, dict) or not isinstance(subjects, list):
            return None
        return cls(dict(answers), [s for s in subjects if isinstance(s, str)][:20], request_id if isinstance(request_id, str) else None)


# ------------------------------------------------------------------ which questions


def _partial_facts(answers: dict[str, Any]) -> CaseFacts:
    """Facts built from the answers so far, unvalidated, so the guidance can say what to ask next."""
    values: dict[str, Any] = {}
    for name, info in CaseFacts.model_fields.items():
        if name in answers:
            values[name] = answers[name]
        elif info.is_required():
            values[name] = None
    return CaseFacts.model_construct(**values)


def applicable(guidance: Guidance, answers: dict[str, Any]) -> tuple[list[Question], dict[str, Any]]:
    """The questions the guidance asks given these answers, and the answers that still apply.

    Changing an answer can make a later question irrelevant (say, who gave consent once consent
    was not sought), so answers to questions no longer asked are dropped until nothing changes.
    """
    kept = dict(answers)
    while True:
        asked = list(guidance.questions_for(_partial_facts(kept)))
        fields = {q.field for q in asked}
        pruned = {name: value for name, value in kept.items() if name in fields}
        if pruned == kept:
            return asked, kept
        kept = pruned


def next_unanswered(asked: list[Question], answers: dict[str, Any]) -> Question | None:
    return next((q for q in asked if q.field not in answers), None)


def previous(asked: list[Question], question: Question) -> Question | None:
    ids = [q.id for q in asked]
    if question.id not in ids:
        return None
    index = ids.index(question.id)
    return asked[index - 1] if index > 0 else None


def facts_or_errors(answers: dict[str, Any]) -> tuple[CaseFacts | None, list[tuple[str, str]]]:
    """The validated case facts, or (field, message) pairs naming what is wrong."""
    try:
        return CaseFacts.model_validate(answers), []
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = item.get("loc", ())
            name = str(location[0]) if location else ""
            problems.append((name, validation_message(item, "Your answer")))
        return None, problems


# ------------------------------------------------------------------ reading and showing answers


def encode(value: Any) -> str:
    """An option's value as it travels in a form."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "none"
    return str(value)


def _adapter(question: Question) -> TypeAdapter:
    info = CaseFacts.model_fields[question.field]
    return TypeAdapter(Annotated[info.annotation, *info.metadata]) if info.metadata else TypeAdapter(info.annotation)


def _optional(question: Question) -> bool:
    info = CaseFacts.model_fields[question.field]
    return not info.is_required()


def read_answer(question: Question, form: Form) -> tuple[Any, str | None]:
    """The value this question's field takes from the submitted form, or an error message."""
    kind = question.input
    if kind in ("choice", "yes_no"):
        chosen = form.get("answer")
        for option in question.options:
            if encode(option.value) == chosen:
                return option.value, None
        return None, "Select an answer"
    if kind == "multi_choice":
        chosen = form.getlist("answer")
        if not chosen:
            return None, "Select all that apply, or select ‘None of these’"
        if NONE_OF_THESE in chosen:
            return [], None
        values = [o.value for o in question.options if encode(o.value) in chosen]
        return _validated(question, values)
    if kind == "number":
        raw = form.get("answer")
        if not raw:
            return (None, None) if _optional(question) else (None, "Enter a number")
        if not raw.isdigit():
            return None, "Enter a whole number, like 7"
        return _validated(question, int(raw))
    if kind == "text_list":
        return _validated(question, list(dict.fromkeys(form.lines("answer"))))
    raw = form.get("answer")
    if not raw:
        return (None, None) if _optional(question) else (None, "Enter an answer")
    return _validated(question, raw)


def _validated(question: Question, value: Any) -> tuple[Any, str | None]:
    try:
        checked = _adapter(question).validate_python(value)
    except ValidationError as error:
        item = error.errors()[0]
        return None, validation_message(item, "Your answer")
    if isinstance(checked, list):
        return [getattr(v, "value", v) for v in checked], None
    return getattr(checked, "value", checked), None


def form_value(question: Question, answers: dict[str, Any]) -> Any:
    """What to show in the question's input for the stored answer."""
    if question.field not in answers:
        return None if question.input != "multi_choice" else []
    value = answers[question.field]
    if question.input == "multi_choice":
        return [encode(v) for v in value] or [NONE_OF_THESE]
    if question.input == "text_list":
        return "\n".join(value or [])
    if question.input in ("choice", "yes_no"):
        return encode(value)
    return "" if value is None else str(value)


def answer_text(question: Question, answers: dict[str, Any]) -> list[str]:
    """The stored answer in words, one line per item."""
    value = answers.get(question.field)
    by_value = {encode(o.value): o.label for o in question.options}
    if question.input in ("choice", "yes_no"):
        return [by_value.get(encode(value), str(value))]
    if question.input == "multi_choice":
        return [by_value.get(encode(v), str(v)) for v in value] or ["None of these"]
    if question.input == "text_list":
        return list(value or []) or ["Nothing entered"]
    if value is None or value == "":
        return ["Not known"]
    return [str(value)]


def trail_answer_text(guidance: Guidance, answers: dict[str, Any]) -> list[str]:
    """A trail entry's answers in words, using the questions' own labels."""
    lines = []
    for name, value in answers.items():
        question = guidance.question_for_field(name)
        if question is None:
            continue
        text = answer_text(question, {name: value})
        lines.append(f"{question.text} {'; '.join(text)}")
    return lines

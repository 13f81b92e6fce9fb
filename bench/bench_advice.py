"""How fast the guidance engine turns case facts into advice, on one core.

Each rate is compared with validating the same facts with pydantic in the same run, so the
ratio can be compared across machines.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from safeshare.domain.advice import (
    Answer,
    CaseFacts,
    ConsentGiver,
    ConsentState,
    LevelOfConcern,
    PurposeCategory,
    ReasonConsentNotSought,
    RecipientAgencyKind,
    StatutoryGateway,
)
from safeshare.guidance import clear_cache, load_guidance
from safeshare.guidance.registry import BUNDLED_DATA
from safeshare.guidance.yaml_source import read_yaml

TARGET_RATE = 50_000

# A school tells children's social care about a disclosure: the most common decision.
TYPICAL = {
    "purpose": "Referral after a pupil disclosed being hurt at home",
    "purpose_category": "safeguarding_referral",
    "recipient_agency": "local_authority_childrens_social_care",
    "recipient_role": "duty social worker",
    "sharer_agency": "school",
    "requested_by_recipient": False,
    "information_requested": ["disclosure notes", "attendance this term", "contact details"],
    "level_of_concern": "significant_harm",
    "clear_legitimate_purpose": "yes",
    "has_statutory_basis": "yes",
    "need_to_know": "yes",
    "is_proportionate": "yes",
    "obtained_under_limiting_power": "no",
    "involves_secondary_disclosure": "no",
    "special_category": True,
    "child_age": 11,
}

# Early help with consent not yet sought walks the longest path through the flow.
LONGEST = {**TYPICAL, "purpose_category": "early_help", "level_of_concern": "early_help", "special_category": False}


def _rate(call: Callable[[], Any], seconds: float = 0.4, repeats: int = 5) -> float:
    """Best calls-per-second over several timed batches."""
    batch = 1000
    while True:  # size a batch to roughly a tenth of the time budget
        start = time.perf_counter()
        for _ in range(batch):
            call()
        if time.perf_counter() - start > seconds / 10:
            break
        batch *= 2
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batch):
            call()
        best = max(best, batch / (time.perf_counter() - start))
    return best


def _varied_facts(count: int, seed: int = 2018) -> list[CaseFacts]:
    rng = random.Random(seed)
    out: list[CaseFacts] = []
    while len(out) < count:
        consent = rng.choice(list(ConsentState))
        giver = None if consent is ConsentState.not_sought else rng.choice(list(ConsentGiver))
        age = rng.choice([None, *range(18)])
        if giver is ConsentGiver.young_person_16_17:
            age = rng.choice([None, 16, 17])
        if giver is ConsentGiver.child_with_competence:
            age = rng.choice([None, *range(16)])

        def answer() -> Answer | None:
            return rng.choice([None, *Answer])

        out.append(
            CaseFacts(
                purpose="varied case",
                purpose_category=rng.choice(list(PurposeCategory)),
                recipient_agency=rng.choice(list(RecipientAgencyKind)),
                sharer_agency=rng.choice([None, *RecipientAgencyKind]),
                level_of_concern=rng.choice(list(LevelOfConcern)),
                crime_suspected=rng.random() < 0.1,
                adult_at_risk_of_serious_harm=rng.random() < 0.1,
                clear_legitimate_purpose=answer(),
                need_to_know=answer(),
                is_proportionate=answer(),
                statutory_gateway=rng.choice([None, None, None, *StatutoryGateway]),
                identifies_person=rng.random() < 0.9,
                confidential=rng.random() < 0.8,
                special_category=rng.random() < 0.4,
                consent=consent,
                consent_by=giver,
                child_age=age,
                reasons_consent_not_sought=rng.sample(list(ReasonConsentNotSought), rng.choice([0, 0, 0, 1]))
                if consent is ConsentState.not_sought
                else [],
                public_interest_outweighs=answer(),
                advice_sought=rng.random() < 0.3,
            )
        )
    return out


def run() -> list[dict]:
    guidance = load_guidance("national-2018")
    typical = CaseFacts.model_validate(TYPICAL)
    longest = CaseFacts.model_validate(LONGEST)
    validate = _rate(lambda: CaseFacts.model_validate(TYPICAL))

    figures = []
    for name, facts in (
        ("advise, typical case (school referral, significant harm)", typical),
        ("advise, longest path (early help, 12 steps)", longest),
    ):
        rate = _rate(lambda f=facts: guidance.advise(f))
        figures.append(_figure(name, rate, "evaluations/s", validate))

    varied = _varied_facts(20_000)
    start = time.perf_counter()
    for facts in varied:  # each fact set once: caches see a realistic spread of answers
        guidance.advise(facts)
    varied_rate = len(varied) / (time.perf_counter() - start)
    figures.append(_figure("advise, 20,000 varied cases, each once", varied_rate, "evaluations/s", validate))

    files = sorted(BUNDLED_DATA.joinpath("national-2018").glob("*.yaml"))
    start = time.perf_counter()
    for path in files:
        read_yaml(path)
    parse_ms = (time.perf_counter() - start) * 1000
    clear_cache()
    start = time.perf_counter()
    load_guidance("national-2018")
    load_ms = (time.perf_counter() - start) * 1000
    figures.append(
        {
            "name": "load and compile national-2018 (cold)",
            "value": load_ms,
            "unit": "ms",
            "target": "<= 1000 ms",
            "meets": load_ms <= 1000,
            "baseline_name": "parse the same YAML files only (ms)",
            "baseline_value": parse_ms,
        }
    )
    return figures


def _figure(name: str, rate: float, unit: str, validate_rate: float) -> dict:
    return {
        "name": name,
        "value": rate,
        "unit": unit,
        "target": f">= {TARGET_RATE}/s",
        "meets": rate >= TARGET_RATE,
        "baseline_name": "pydantic CaseFacts.model_validate of the typical facts (/s)",
        "baseline_value": validate_rate,
    }


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']:,.0f} {row['unit']} (target {row['target']}, meets={row['meets']}; baseline {row['baseline_name']}: {row['baseline_value']:,.0f})")

"""Case facts a practitioner gives, and the advice SafeShare gives back.

Plain pydantic and enums only: the guidance engine, the web journey, the API and the
decision record all share these types, so nothing here may import I/O, web or storage code.
The closed vocabularies below are part of the published contract; their string values are
stable identifiers and must not be renamed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from safeshare.domain.model import declare_no_nul_characters, distinct_entries, refuse_nul_characters

FACTS_SCHEMA_ID = "safeshare.case-facts/1"
ADVICE_SCHEMA_ID = "safeshare.advice/1"


# ---------------------------------------------------------------- vocabularies


class Outcome(StrEnum):
    """What SafeShare advises the practitioner to do now."""

    share = "share"
    share_without_consent = "share_without_consent"
    do_not_share = "do_not_share"
    seek_consent = "seek_consent"
    seek_advice = "seek_advice"
    act_now = "act_now"


SHARING_OUTCOMES = frozenset({Outcome.share, Outcome.share_without_consent, Outcome.act_now})


class LevelOfConcern(StrEnum):
    """How worried the practitioner is about the child (R3)."""

    no_concern = "no_concern"
    early_help = "early_help"
    unsure = "unsure"
    significant_harm = "significant_harm"
    immediate_risk = "immediate_risk"


class ConsentState(StrEnum):
    not_sought = "not_sought"
    given = "given"
    refused = "refused"
    withdrawn = "withdrawn"
    parent_child_disagree = "parent_child_disagree"


class ConsentGiver(StrEnum):
    """Who gave, refused or withdrew consent (R5)."""

    child_with_competence = "child_with_competence"
    young_person_16_17 = "young_person_16_17"
    parental_responsibility = "parental_responsibility"
    no_parental_responsibility = "no_parental_responsibility"
    parent_capacity_doubt = "parent_capacity_doubt"


class ReasonConsentNotSought(StrEnum):
    """The recognised reasons for not asking for consent (R4)."""

    increase_risk_to_child = "increase_risk_to_child"
    serious_harm_to_adult = "serious_harm_to_adult"
    prejudice_crime_prevention = "prejudice_crime_prevention"
    undue_delay_enquiries = "undue_delay_enquiries"


class RecipientAgencyKind(StrEnum):
    """Kinds of agency that ask for, send or receive information."""

    local_authority_childrens_social_care = "local_authority_childrens_social_care"
    school = "school"
    college = "college"
    early_years = "early_years"
    gp_practice = "gp_practice"
    nhs_trust = "nhs_trust"
    health_visiting = "health_visiting"
    midwifery = "midwifery"
    camhs = "camhs"
    police = "police"
    probation = "probation"
    youth_offending_team = "youth_offending_team"
    prison = "prison"
    voluntary_community = "voluntary_community"
    other = "other"


class PurposeCategory(StrEnum):
    """Broad reason for sharing; local guidance may refine it with a local purpose."""

    safeguarding_referral = "safeguarding_referral"
    child_protection_enquiry = "child_protection_enquiry"
    child_in_need_assessment = "child_in_need_assessment"
    early_help = "early_help"
    statutory_request = "statutory_request"
    crime_prevention = "crime_prevention"
    court_proceedings = "court_proceedings"
    practice_review = "practice_review"
    service_coordination = "service_coordination"
    anonymised_analysis = "anonymised_analysis"
    other = "other"


class StatutoryGateway(StrEnum):
    """Statutory routes that may allow or require sharing. Values double as lawful-basis ids."""

    children_act_1989_s47 = "children_act_1989_s47"
    children_act_1989_s17 = "children_act_1989_s17"
    children_act_2004_s11 = "children_act_2004_s11"
    children_act_2004_s16h = "children_act_2004_s16h"
    children_act_2004_s14b = "children_act_2004_s14b"
    education_act_2002_s175 = "education_act_2002_s175"
    crime_and_disorder_act_1998_s115 = "crime_and_disorder_act_1998_s115"
    court_order = "court_order"


class Answer(StrEnum):
    yes = "yes"
    no = "no"
    unsure = "unsure"


class InformDecision(StrEnum):
    """Whether, and when, to tell the child or family about the sharing (R10, R22)."""

    inform_before_sharing = "inform_before_sharing"
    inform_after_sharing = "inform_after_sharing"
    do_not_inform = "do_not_inform"
    not_applicable = "not_applicable"


class RecordField(StrEnum):
    """Items a decision record must hold (R13). The decision-record service enforces these."""

    decision = "decision"
    reasons = "reasons"
    decided_at = "decided_at"
    decided_by = "decided_by"
    purpose = "purpose"
    information_requested = "information_requested"
    risk_level = "risk_level"
    context = "context"
    information_shared = "information_shared"
    recipient = "recipient"
    legal_basis = "legal_basis"
    secure_method = "secure_method"
    consent_given_by = "consent_given_by"
    consent_recorded_at = "consent_recorded_at"
    consent_limits = "consent_limits"
    reasons_consent_not_sought = "reasons_consent_not_sought"
    family_informed = "family_informed"
    reason_family_not_informed = "reason_family_not_informed"
    advice_sought_from = "advice_sought_from"
    discussed_with_requester = "discussed_with_requester"
    onward_sharing_agreed = "onward_sharing_agreed"


class LawfulBasisKind(StrEnum):
    uk_gdpr_article_6 = "uk_gdpr_article_6"
    uk_gdpr_article_9 = "uk_gdpr_article_9"
    dpa_2018_condition = "dpa_2018_condition"
    statutory_gateway = "statutory_gateway"
    common_law = "common_law"
    human_rights = "human_rights"


# ---------------------------------------------------------------- case facts

ShortText = Annotated[str, Field(min_length=1, max_length=200)]


def _published_as_case_facts(schema: dict) -> None:
    schema["$id"] = FACTS_SCHEMA_ID
    declare_no_nul_characters(schema)
_LOCAL_ID = r"^[a-z][a-z0-9_]{0,63}$"


class CaseFacts(BaseModel):
    """What the practitioner knows about one information-sharing decision.

    Every question SafeShare asks sets one of these fields. Unanswered optional checks are
    left as null; the guidance decides what an unanswered check means.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        title="CaseFacts",
        json_schema_extra=_published_as_case_facts,
    )

    _no_nul_characters = field_validator("*")(refuse_nul_characters)

    # -- purpose and parties
    purpose: str = Field(
        min_length=1,
        max_length=2000,
        description="In the practitioner's own words, why the information is to be shared or was asked for.",
        examples=["Referral to children's social care after a disclosure at school"],
    )
    purpose_category: PurposeCategory = Field(
        description="The broad kind of purpose, from a closed list.",
    )
    local_purpose: str | None = Field(
        default=None,
        pattern=_LOCAL_ID,
        description="A purpose defined by local guidance (an overlay), refining purpose_category. "
        "Null when none applies.",
    )
    recipient_agency: RecipientAgencyKind = Field(
        description="The kind of agency that asked for, or would receive, the information.",
    )
    recipient_role: str | None = Field(
        default=None,
        max_length=200,
        description="The role of the person who would receive it, e.g. 'duty social worker'. "
        "Never a name.",
    )
    sharer_agency: RecipientAgencyKind | None = Field(
        default=None,
        description="The kind of agency the practitioner works for. Affects which lawful bases "
        "are candidates (public bodies rely on public task; others may not).",
    )
    requested_by_recipient: bool = Field(
        default=False,
        description="True when the recipient asked for the information; false when the "
        "practitioner proposes to share it unprompted.",
    )
    information_requested: list[ShortText] = distinct_entries(
        default_factory=list,
        max_length=50,
        description="The items of information asked for or proposed to be shared, one per entry.",
    )

    # -- level of need (R3)
    level_of_concern: LevelOfConcern = Field(
        description="The level of concern about the child: no_concern; early_help (additional "
        "needs, not at risk of significant harm); unsure (cannot tell whether the threshold for "
        "a referral is met); significant_harm (reasonable cause to believe the child has "
        "suffered or is likely to suffer significant harm); immediate_risk (the child is in "
        "danger now).",
    )
    crime_suspected: bool = Field(
        default=False,
        description="True when the practitioner thinks a crime has been committed against or "
        "involving the child.",
    )
    adult_at_risk_of_serious_harm: bool = Field(
        default=False,
        description="True when an adult is at risk of serious harm.",
    )

    # -- purpose checks (R2, 004 Appendix 1 question 1)
    clear_legitimate_purpose: Answer | None = Field(
        default=None,
        description="Is there a clear and legitimate purpose for sharing? Null when not "
        "answered, in which case the purpose category is relied on.",
    )
    has_statutory_basis: Answer | None = Field(
        default=None,
        description="Is there a legal basis or statutory duty for sharing?",
    )
    statutory_gateway: StatutoryGateway | None = Field(
        default=None,
        description="The statutory gateway or court order relied on, if any.",
    )
    is_proportionate: Answer | None = Field(
        default=None,
        description="Is the amount asked for or proposed proportionate to the purpose?",
    )
    need_to_know: Answer | None = Field(
        default=None,
        description="Can the people asking or sharing show a sufficient need to know?",
    )
    obtained_under_limiting_power: Answer | None = Field(
        default=None,
        description="Was the information obtained under a statutory power or duty that limits "
        "how it may be used or who may see it?",
    )
    involves_secondary_disclosure: Answer | None = Field(
        default=None,
        description="Would this pass on information that the practitioner's agency itself "
        "received from another agency?",
    )
    anonymised_would_suffice: Answer | None = Field(
        default=None,
        description="Could the purpose be met with anonymised information?",
    )

    # -- the information (R1, R2, R7)
    identifies_person: bool = Field(
        default=True,
        description="True when the information identifies, or could identify, the child or "
        "anyone else.",
    )
    confidential: bool = Field(
        default=True,
        description="True when the information was given in confidence and is not already "
        "lawfully public.",
    )
    special_category: bool = Field(
        default=False,
        description="True when it includes special category data, e.g. health, ethnicity, "
        "religion, sex life or sexual orientation.",
    )

    # -- consent (R4, R5); order matters: validators read earlier fields
    consent: ConsentState = Field(
        default=ConsentState.not_sought,
        description="Where consent stands.",
    )
    consent_by: ConsentGiver | None = Field(
        default=None,
        validate_default=True,
        description="Who gave, refused or withdrew consent. Required when consent is given; "
        "must be null when consent has not been sought.",
    )
    child_age: int | None = Field(
        default=None,
        ge=0,
        le=17,
        validate_default=True,
        description="The child's age in whole years, if known (0-17).",
    )
    reasons_consent_not_sought: list[ReasonConsentNotSought] = distinct_entries(
        default_factory=list,
        validate_default=True,
        max_length=4,
        description="Why consent is not being sought. Only allowed when consent is not_sought.",
    )
    public_interest_outweighs: Answer | None = Field(
        default=None,
        description="Having weighed what could happen if the information is shared against "
        "what could happen if it is not, does the public interest favour sharing?",
    )
    advice_sought: bool = Field(
        default=False,
        description="True when a designated safeguarding lead, manager or information "
        "governance lead has already been consulted about this decision.",
    )

    @field_validator("consent_by")
    @classmethod
    def _consent_by_matches_state(cls, value: ConsentGiver | None, info: ValidationInfo) -> ConsentGiver | None:
        state = info.data.get("consent")
        if state == ConsentState.given and value is None:
            raise ValueError("say who gave consent when consent is 'given'")
        if state == ConsentState.not_sought and value is not None:
            raise ValueError("must be null when consent has not been sought")
        return value

    @field_validator("child_age")
    @classmethod
    def _age_matches_giver(cls, value: int | None, info: ValidationInfo) -> int | None:
        giver = info.data.get("consent_by")
        if value is None:
            return value
        if giver == ConsentGiver.young_person_16_17 and value < 16:
            raise ValueError("a young_person_16_17 must be aged 16 or 17")
        if giver == ConsentGiver.child_with_competence and value >= 16:
            raise ValueError("at 16 or 17 use consent_by 'young_person_16_17'")
        return value

    @field_validator("reasons_consent_not_sought")
    @classmethod
    def _reasons_only_when_not_sought(
        cls, value: list[ReasonConsentNotSought], info: ValidationInfo
    ) -> list[ReasonConsentNotSought]:
        if value and info.data.get("consent") not in (None, ConsentState.not_sought):
            raise ValueError("reasons for not seeking consent only apply when consent is 'not_sought'")
        if len(set(value)) != len(value):
            raise ValueError("each reason may appear once")
        return value

    @field_validator("information_requested")
    @classmethod
    def _no_duplicate_items(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each item may appear once")
        return value


# ---------------------------------------------------------------- advice parts

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Citation(BaseModel):
    """Where in the guidance a step, rule or text comes from."""

    model_config = _FROZEN

    document: str = Field(description="Source document id, e.g. '000'.")
    section: str = Field(description="Section or heading within the document.")
    paragraph: str | None = Field(default=None, description="Finer locator, e.g. a question number.")


class TrailEntry(BaseModel):
    """One question the guidance asked while reaching the advice, with the answer given."""

    model_config = _FROZEN

    step: str = Field(description="Id of the step in the guidance flow.")
    branch: str = Field(description="Id of the branch of the step that the answers matched.")
    question: str = Field(description="The question, in SafeShare's words.")
    answers: dict[str, Any] = Field(description="The case facts the step looked at, by field name.")
    explanation: str = Field(description="Why the answers lead where they do.")
    citation: Citation
    requirements: tuple[str, ...] = Field(default=(), description="Requirement ids (R1-R22) this step serves.")


class LawfulBasis(BaseModel):
    """A lawful basis, condition, gateway or legal principle that can support sharing (R7)."""

    model_config = _FROZEN

    id: str = Field(description="Stable identifier, e.g. 'uk_gdpr_6_1_e'.")
    kind: LawfulBasisKind
    label: str
    summary: str = Field(description="What it means for the practitioner, in SafeShare's words.")
    dpv_iri: str | None = Field(default=None, description="W3C Data Privacy Vocabulary concept, where one exists.")
    dpv_gdpr_iri: str | None = Field(default=None, description="DPV GDPR-extension concept for the same article.")
    dpv_law_iri: str | None = Field(default=None, description="DPV concept for the statute itself.")
    legislation_url: str | None = None
    citation: Citation


class Principle(BaseModel):
    model_config = _FROZEN

    id: str
    name: str
    summary: str
    citation: Citation


class Contact(BaseModel):
    """Someone to ask for advice (R8). Local guidance adds how to reach them."""

    model_config = _FROZEN

    id: str
    role: str
    when_to_contact: str
    how_to_contact: str | None = None
    without_identifying: bool = Field(
        default=True, description="Advice can be asked for without naming the child or family."
    )
    citation: Citation


class ActionItem(BaseModel):
    model_config = _FROZEN

    id: str
    text: str
    citation: Citation


class FamilyNotice(BaseModel):
    """Whether to tell the child or family, and why (or why not)."""

    model_config = _FROZEN

    decision: InformDecision
    reason: str
    citation: Citation


class OverlayStamp(BaseModel):
    model_config = _FROZEN

    id: str
    title: str
    content_hash: str = Field(description="sha256 of the overlay file's bytes.")


class GuidanceStamp(BaseModel):
    """Exactly which guidance produced a piece of advice."""

    model_config = _FROZEN

    version: str = Field(description="Installed guidance version id, e.g. 'national-2018'.")
    title: str
    content_hash: str = Field(description="sha256 over the version's data files.")
    overlays: tuple[OverlayStamp, ...] = ()


class Advice(BaseModel):
    """SafeShare's advice for one set of case facts. Deterministic for the same facts and guidance."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="Advice", json_schema_extra={"$id": ADVICE_SCHEMA_ID})

    outcome: Outcome
    route: str = Field(description="Id of the way through the guidance that produced the outcome.")
    summary: str = Field(description="The advice in a sentence or two.")
    guidance: GuidanceStamp
    lawful_bases: tuple[LawfulBasis, ...] = Field(
        default=(), description="Candidate lawful bases; the practitioner confirms and records the one relied on."
    )
    inform_family: FamilyNotice
    record_fields: tuple[RecordField, ...] = Field(description="What the decision record must contain.")
    principles: tuple[Principle, ...] = ()
    contacts: tuple[Contact, ...] = ()
    actions: tuple[ActionItem, ...] = ()
    trail: tuple[TrailEntry, ...] = Field(min_length=1)

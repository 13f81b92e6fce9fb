"""A consent record as a FHIR R5 Consent resource, and back, built and validated with `fhir.resources`.

Standard elements carry what FHIR has a place for (status, decision, subject, grantor, manager, the
provision's purposes, recipients and information); SafeShare's extensions carry the rest: who the giver
is to the child and their capacity, what they were told, whether consent was freely given, informed and
explicit, how it was obtained, the review date and any withdrawal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from fhir.resources.consent import Consent
from pydantic import ValidationError

from safeshare.domain.advice import PurposeCategory
from safeshare.domain.agencies import AgencyKind
from safeshare.domain.consent import (
    CapacityBasis,
    ConsentInput,
    ConsentRecipient,
    ConsentRecord,
    ConsentStatus,
    Giver,
    GiverKind,
    ObtainedBy,
    WhatWasTold,
    WithdrawalInput,
)
from safeshare.domain.errors import InvalidInput, Problem

EXT = "urn:safeshare:fhir:consent:"
PURPOSE_SYSTEM = "urn:safeshare:purpose-category"
AGENCY_KIND_SYSTEM = "urn:safeshare:agency-kind"
RECIPIENT_ROLE_SYSTEM = "urn:safeshare:consent-recipient"
IDENTIFIER_SYSTEM = "urn:safeshare:consent"
CONTENT_DIGEST_SYSTEM = "urn:safeshare:fhir-content-sha256"  # for a resource that carries no identifier
LOINC = "http://loinc.org"
_TOLD = ("information_collected", "purposes", "who_may_receive", "recipient_uses")


def _ext(name: str, kind: str, value: Any) -> dict:
    return {"url": EXT + name, kind: value}


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def to_fhir(consent: ConsentRecord) -> dict:
    c = consent.input
    giver = c.given_by
    extensions = [
        _ext("giver-kind", "valueCode", giver.kind.value),
        _ext("capacity-basis", "valueCode", giver.capacity_basis.value),
        _ext("obtained-by", "valueCode", c.obtained_by.value),
        _ext("freely-given", "valueBoolean", c.freely_given),
        _ext("informed", "valueBoolean", c.informed),
        _ext("explicit", "valueBoolean", c.explicit),
        _ext("obtained-at", "valueDateTime", _instant(c.obtained_at)),
        {
            "url": EXT + "told",
            "extension": [
                *(_ext(name.replace("_", "-"), "valueString", getattr(c.told, name)) for name in _TOLD),
                _ext("may-be-used-to-detect-crime", "valueBoolean", c.told.told_may_be_used_to_detect_crime),
            ],
        },
    ]
    if giver.capacity_note:
        extensions.append(_ext("capacity-note", "valueString", giver.capacity_note))
    if giver.name:
        extensions.append(_ext("giver-name", "valueString", giver.name))
    review_by = consent.review_by or c.review_by  # the latest review's date, if it was reviewed
    if review_by:
        extensions.append(_ext("review-by", "valueDate", review_by.isoformat()))
    if c.young_person_lacks_capacity:
        extensions.append(_ext("young-person-lacks-capacity", "valueString", c.young_person_lacks_capacity))
    if c.notes:
        extensions.append(_ext("notes", "valueString", c.notes))
    if consent.withdrawal:
        extensions.append(
            {
                "url": EXT + "withdrawal",
                "extension": [
                    _ext("withdrawn-at", "valueDateTime", _instant(consent.withdrawal.withdrawn_at)),
                    _ext("how", "valueCode", consent.withdrawal.how.value),
                    _ext("note", "valueString", consent.withdrawal.note),
                ],
            }
        )
    if giver.kind in (GiverKind.CHILD, GiverKind.YOUNG_PERSON_16_17):
        grantor = {"reference": f"Patient/{c.subject_id}"}
    elif giver.subject_id:
        grantor = {"reference": f"RelatedPerson/{giver.subject_id}"}
    else:
        grantor = {"display": giver.name or "not named"}
    actors = []
    for recipient in c.recipients:
        if recipient.agency_id:
            actors.append(
                {
                    "role": {"coding": [{"system": RECIPIENT_ROLE_SYSTEM, "code": "agency"}]},
                    "reference": {"reference": f"Organization/{recipient.agency_id}"},
                }
            )
        else:
            actors.append({"role": {"coding": [{"system": AGENCY_KIND_SYSTEM, "code": recipient.agency_kind.value}]}})
    period: dict = {"start": _instant(c.obtained_at)}
    if consent.withdrawal:
        period["end"] = _instant(consent.withdrawal.withdrawn_at)
    resource = Consent(
        id=consent.id,
        identifier=[{"system": IDENTIFIER_SYSTEM, "value": consent.id}],
        status="inactive" if consent.status is ConsentStatus.WITHDRAWN else "active",
        decision="deny" if c.decision is ConsentStatus.REFUSED else "permit",
        category=[{"coding": [{"system": LOINC, "code": "59284-0", "display": "Consent Document"}]}],
        subject={"reference": f"Patient/{c.subject_id}"},
        date=c.obtained_at.date(),
        period=period,
        grantor=[grantor],
        manager=[{"reference": f"Organization/{consent.agency_id}"}],
        provision=[
            {
                "purpose": [{"system": PURPOSE_SYSTEM, "code": p.value} for p in c.purposes],
                "actor": actors,
                "code": [{"text": item} for item in c.information],
            }
        ],
        extension=extensions,
    )
    return resource.model_dump(mode="json", exclude_none=True)


def _fail(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", (Problem(field, message),))


def _values(extensions: list[dict]) -> dict[str, Any]:
    found = {}
    for extension in extensions or []:
        url = extension.get("url", "")
        if not url.startswith(EXT):
            continue
        name = url.removeprefix(EXT)
        if "extension" in extension and extension["extension"]:
            found[name] = _values(extension["extension"])
        else:
            found[name] = next((v for k, v in extension.items() if k.startswith("value")), None)
    return found


def _reference_id(reference: str | None, prefix: str, field: str) -> str:
    if not reference or not reference.startswith(prefix + "/"):
        raise _fail(field, f"expected a reference like '{prefix}/<id>'")
    return reference.split("/", 1)[1]


def identifiers_of(resource: dict) -> list[str]:
    """The resource's identifiers as 'system|value', by which a second import of it is recognised.

    A resource without one is known by a digest of what it says, leaving out `meta` and `text`, which a
    sending system may change from one copy to the next: the same Consent sent twice is still one consent.
    """
    found = []
    for identifier in resource.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("value"):
            found.append(f"{identifier.get('system', '')}|{identifier['value']}")
    if not found:
        said = {key: value for key, value in resource.items() if key not in ("meta", "text")}
        digest = hashlib.sha256(json.dumps(said, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        found.append(f"{CONTENT_DIGEST_SYSTEM}|{digest}")
    return found


def from_fhir(resource: dict) -> tuple[ConsentInput, WithdrawalInput | None]:
    """A ConsentInput (and withdrawal, if the resource is inactive) from a FHIR R5 Consent resource."""
    try:
        return _from_fhir(resource)
    except ValidationError:
        raise  # a field of SafeShare's own models: reported with its name
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise _fail("resource", f"this Consent cannot be read as a SafeShare consent ({type(error).__name__}: {error})") from None


def _from_fhir(resource: dict) -> tuple[ConsentInput, WithdrawalInput | None]:
    if not isinstance(resource, dict) or resource.get("resourceType") != "Consent":
        raise _fail("resourceType", "expected a FHIR Consent resource")
    try:
        parsed = Consent.model_validate(resource)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(p) for p in first.get("loc", ())) or "resource"
        raise _fail(location, first.get("msg", "is not valid FHIR")) from None
    data = parsed.model_dump(mode="json", exclude_none=True)
    ext = _values(data.get("extension", []))
    for required in ("giver-kind", "capacity-basis", "obtained-by", "obtained-at", "told"):
        if required not in ext:
            raise _fail(f"extension.{required}", "SafeShare needs this extension to record the consent")
    subject_id = _reference_id(data.get("subject", {}).get("reference"), "Patient", "subject")
    kind = GiverKind(ext["giver-kind"])
    grantor = (data.get("grantor") or [{}])[0]
    giver_subject_id = None
    if kind is GiverKind.PARENTAL_RESPONSIBILITY and grantor.get("reference"):
        giver_subject_id = _reference_id(grantor["reference"], "RelatedPerson", "grantor")
    provision = (data.get("provision") or [{}])[0]
    recipients = []
    for index, actor in enumerate(provision.get("actor", [])):
        coding = (actor.get("role", {}).get("coding") or [{}])[0]
        if coding.get("system") == AGENCY_KIND_SYSTEM:
            recipients.append(ConsentRecipient(agency_kind=AgencyKind(coding["code"])))
        else:
            agency_id = _reference_id(actor.get("reference", {}).get("reference"), "Organization", f"provision.actor.{index}")
            recipients.append(ConsentRecipient(agency_id=agency_id))
    told = ext["told"]
    decision = {"permit": ConsentStatus.GIVEN, "deny": ConsentStatus.REFUSED}.get(data.get("decision", "permit"))
    if decision is None:
        raise _fail("decision", "expected 'permit' or 'deny'")
    submitted = ConsentInput(
        subject_id=subject_id,
        given_by=Giver(
            kind=kind,
            subject_id=giver_subject_id,
            name=ext.get("giver-name"),
            capacity_basis=CapacityBasis(ext["capacity-basis"]),
            capacity_note=ext.get("capacity-note", ""),
        ),
        decision=decision,
        information=tuple(code.get("text", "") for code in provision.get("code", [])),
        purposes=tuple(PurposeCategory(p["code"]) for p in provision.get("purpose", []) if p.get("system") == PURPOSE_SYSTEM),
        recipients=tuple(recipients),
        told=WhatWasTold(
            **{name: told.get(name.replace("_", "-"), "") for name in _TOLD},
            told_may_be_used_to_detect_crime=bool(told.get("may-be-used-to-detect-crime", False)),
        ),
        freely_given=bool(ext.get("freely-given", False)),
        informed=bool(ext.get("informed", False)),
        explicit=bool(ext.get("explicit", False)),
        obtained_at=dt.datetime.fromisoformat(ext["obtained-at"]),
        obtained_by=ObtainedBy(ext["obtained-by"]),
        review_by=dt.date.fromisoformat(ext["review-by"]) if ext.get("review-by") else None,
        young_person_lacks_capacity=ext.get("young-person-lacks-capacity", ""),
        notes=ext.get("notes", ""),
    )
    withdrawal = None
    if data.get("status") == "inactive":
        details = ext.get("withdrawal")
        if not isinstance(details, dict):
            raise _fail("extension.withdrawal", "an inactive consent needs the withdrawal extension")
        withdrawal = WithdrawalInput(
            withdrawn_at=dt.datetime.fromisoformat(details["withdrawn-at"]),
            how=ObtainedBy(details["how"]),
            note=details.get("note") or "withdrawn",
        )
    elif data.get("status") != "active":
        raise _fail("status", "only 'active' and 'inactive' consent can be imported")
    return submitted, withdrawal

"""A web form is bounded while it is parsed: no files, a few hundred fields at most, no field longer than the
longest any form has. Each refusal is a 400 page, and the search behind the form does not run."""

from __future__ import annotations

from safeshare.request_limits import FORM_FIELD_BYTES, FORM_FIELDS
from tests.web.helpers import sign_in

REFUSED = "Something went wrong with that request."


def search(web, token: str, **sent):
    return web.post("/subjects/find", data={"csrf_token": token, "name": "Ada", **sent.pop("data", {})}, **sent)


def test_the_search_form_is_answered_within_the_limits(web, world):
    token = sign_in(web, "practitioner_a")
    within = search(web, token, data={f"extra{i}": "x" for i in range(FORM_FIELDS - 3)})
    assert within.status_code == 200 and "Lovelace" in within.text


def test_too_many_fields_are_refused(web, world):
    token = sign_in(web, "practitioner_a")
    refused = search(web, token, data={f"extra{i}": "x" for i in range(FORM_FIELDS)})
    assert refused.status_code == 400 and "Lovelace" not in refused.text
    assert REFUSED in refused.text


def test_a_field_longer_than_any_form_has_is_refused(web, world):
    token = sign_in(web, "practitioner_a")
    refused = search(web, token, data={"notes": "x" * (FORM_FIELD_BYTES + 1)})
    assert refused.status_code == 400 and "Lovelace" not in refused.text and REFUSED in refused.text


def test_a_file_is_refused(web, world):
    token = sign_in(web, "practitioner_a")
    refused = search(web, token, files={"upload": ("notes.txt", b"hello", "text/plain")})
    assert refused.status_code == 400 and "Lovelace" not in refused.text and REFUSED in refused.text

"""The decision aid's answers: kept between pages, never in a URL, bound to the session that gave them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.helpers import error_summary, sign_in


def start(web, token: str) -> str:
    response = web.post("/share/start", data={"csrf_token": token})
    assert response.status_code == 303
    return response.headers["location"]


def test_answers_are_kept_server_side_sealed_and_never_in_the_url(web, world, services):
    token = sign_in(web, "practitioner_a")
    first = start(web, token)
    question = services.context.guidance().questions()[0]
    assert first == f"/share/questions/{question.id}"
    empty = web.post(first, data={"csrf_token": token})
    assert empty.status_code == 400
    assert error_summary(empty.text) == [("#answer", "Select an answer")]

    value = question.options[-1].value
    answered = web.post(first, data={"csrf_token": token, "answer": str(value)})
    assert answered.status_code == 303
    second = answered.headers["location"]
    assert str(value) not in second
    cookie = web.cookies.get("safeshare_answers")
    assert cookie and str(value) not in cookie  # encrypted, not merely signed

    back = web.get(first)
    assert f'value="{value}" checked' in back.text
    assert f'href="/share"' in back.text  # the first question's back link goes to the start page
    assert f'href="{first}"' in web.get(second).text


def test_answers_cannot_be_moved_to_another_session(web, world, services):
    token = sign_in(web, "practitioner_a")
    first = start(web, token)
    web.post(first, data={"csrf_token": token, "answer": "immediate_risk"})
    stolen = web.cookies.get("safeshare_answers")

    other = TestClient(web.app, follow_redirects=False)
    sign_in(other, "dsl_a")
    other.cookies.set("safeshare_answers", stolen, path="/share")
    assert other.get("/share/continue").headers["location"] == "/share"
    other.cookies.set("safeshare_answers", stolen[:-4] + "AAAA", path="/share")
    assert other.get("/share/check").headers["location"] == "/share"


def test_a_question_the_guidance_would_not_ask_is_skipped(web, world, services):
    token = sign_in(web, "practitioner_a")
    start(web, token)
    guidance = services.context.guidance()
    conditional = next(q for q in guidance.questions() if q.ask_when)
    response = web.get(f"/share/questions/{conditional.id}")
    assert response.status_code == 303
    assert response.headers["location"] != f"/share/questions/{conditional.id}"
    assert web.get("/share/questions/no-such-question").status_code == 404


def test_signing_out_forgets_the_answers(web, world):
    token = sign_in(web, "practitioner_a")
    first = start(web, token)
    web.post(first, data={"csrf_token": token, "answer": "immediate_risk"})
    signed_out = web.post("/sign-out", data={"csrf_token": token})
    assert any(c.startswith('safeshare_answers=""') for c in signed_out.headers.get_list("set-cookie"))

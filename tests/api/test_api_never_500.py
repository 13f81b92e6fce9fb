"""Whatever a client sends, the answer is a 4xx naming the problem, never a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.helpers import bearer

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)


def write_routes(api):
    for path, operations in api.get("/openapi.json").json()["paths"].items():
        for method in ("post", "put"):
            if method in operations:
                yield method.upper(), path


@pytest.mark.parametrize("role", ["practitioner_a", "admin"])
def test_random_bodies_never_cause_a_server_error(api, world, role):
    headers = bearer(api, role)
    routes = sorted(write_routes(api))
    assert len(routes) >= 8

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=JSON, route=st.sampled_from(routes))
    def check(body, route):
        method, path = route
        url = path.replace("{", "").replace("}", "")  # ids that match nothing
        response = api.request(method, url, json=body, headers=headers)
        assert response.status_code < 500, (method, url, body, response.text)
        if response.status_code in (400, 422):
            assert response.json()["detail"]

    check()

"""The OpenID Connect client for signing in through the partnership's identity provider: the authorization
code flow with PKCE (S256), state and nonce, with authlib; the ID token's signature (the provider's published
keys), issuer, audience, expiry and nonce checked with joserfc, authlib's JOSE library. Who the person is, and
what their roles are, is SafeShare's to say (`AccountService.sign_in_federated`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx2 as httpx
from authlib.integrations.httpx_client import OAuth2Client
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from safeshare.settings import Settings

FLOW_MAX_AGE = 600  # seconds from leaving for the provider to coming back
SCOPE = "openid email"


class FederatedSignInFailed(Exception):
    """The provider's answer could not be trusted, or said no."""


@dataclass(frozen=True)
class Departure:
    url: str  # the provider's authorization endpoint, with the request
    sealed_flow: str  # state, nonce and PKCE verifier, signed, for a cookie until the browser comes back


class IdentityProvider:
    def __init__(self, settings: Settings):
        self._settings = settings
        self._issuer = (settings.oidc_issuer or "").rstrip("/")
        self._serializer = URLSafeTimedSerializer(settings.secret(), salt="safeshare.oidc-flow")
        self._metadata: dict | None = None

    def _discovered(self) -> dict:
        if self._metadata is None:
            try:
                response = httpx.get(f"{self._issuer}/.well-known/openid-configuration", timeout=10)
                response.raise_for_status()
                metadata = response.json()
            except (httpx.HTTPError, ValueError) as error:
                raise FederatedSignInFailed("the partnership's sign-in service cannot be reached") from error
            if metadata.get("issuer", "").rstrip("/") != self._issuer:
                raise FederatedSignInFailed("the partnership's sign-in service named another issuer")
            self._metadata = metadata
        return self._metadata

    def _client(self, redirect_uri: str) -> OAuth2Client:
        secret = self._settings.oidc_client_secret
        return OAuth2Client(
            client_id=self._settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            scope=SCOPE,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=10,
        )

    def depart(self, redirect_uri: str) -> Departure:
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                self._discovered()["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
            )
        return Departure(url, self._serializer.dumps({"state": state, "nonce": nonce, "verifier": verifier}))

    def arrive(self, redirect_uri: str, sealed_flow: str | None, state: str | None, code: str | None) -> str:
        """The verified email address the provider vouches for, after checking everything it sent back."""
        try:
            flow = self._serializer.loads(sealed_flow or "", max_age=FLOW_MAX_AGE)
        except BadSignature as error:
            raise FederatedSignInFailed("this sign-in took too long or did not start here: start again") from error
        if not state or not code or not secrets.compare_digest(str(flow["state"]), state):
            raise FederatedSignInFailed("this sign-in did not start here: start again")
        metadata = self._discovered()
        try:
            with self._client(redirect_uri) as client:
                token = client.fetch_token(metadata["token_endpoint"], code=code, code_verifier=flow["verifier"])
            keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"], timeout=10).raise_for_status().json())
            id_token = jwt.decode(token["id_token"], keys)
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": self._issuer},
                aud={"essential": True, "value": self._settings.oidc_client_id},
                exp={"essential": True},
                nonce={"essential": True, "value": flow["nonce"]},
                sub={"essential": True},
            ).validate(id_token.claims)
        except (httpx.HTTPError, JoseError, KeyError, ValueError) as error:
            raise FederatedSignInFailed("the partnership's sign-in service gave an answer that could not be checked") from error
        claims = id_token.claims
        email = claims.get("email")
        if not isinstance(email, str) or claims.get("email_verified") is not True:
            raise FederatedSignInFailed("the partnership's sign-in service did not vouch for an email address")
        return email

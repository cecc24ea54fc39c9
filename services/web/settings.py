"""Settings of the web gateway, from the environment.

The gateway reuses the platform's :class:`~services.runtime.settings.Settings` for what it
shares with the services (``WFA_ENV``, ``JWT_SECRET`` and ``JWT_ISSUER``, refused placeholder
secrets in production, ``MAX_BODY_BYTES``) and adds its own:

``ELIGIBILITY_URL``   eligibility's base URL, default ``http://127.0.0.1:8001``
``ATTENDANCE_URL``    attendance's base URL, default ``http://127.0.0.1:8002``
``REPORTING_URL``     reporting's base URL, default ``http://127.0.0.1:8003``
``AUDIT_URL``         audit's base URL, default ``http://127.0.0.1:8004``
``WEB_UPSTREAM_TIMEOUT_S``  how long a proxied call may take (30 s)
``WEB_ROSTER_IMPORT_MAX_BYTES``  largest roster import passed on (64 MiB, as eligibility)
``WEB_DEMO_LOGIN``    1 turns the one-click demo login on (off by default; never in
                      production): ``deploy/demo.sh`` and the browser tests turn it on
``WEB_DEMO_PERSONAS`` the JSON file of demo personas (``var/demo/personas.json``)
``WEB_STATIC_DIR``    the pages, scripts and styles (``services/web/static``)
``WEB_NODE_MODULES``  where ``npm ci`` installed the front-end packages
                      (``services/web/node_modules``)

Single sign-on (:mod:`services.web.sso`), on when the platform's provider is configured
(``OIDC_ISSUER``, ``OIDC_JWKS_URL``, ``OIDC_AUDIENCE``) and the app has a client there:

``WEB_OIDC_CLIENT_ID``      the web app's client at the provider (authorization code + PKCE)
``WEB_OIDC_CLIENT_SECRET``  its secret, for a confidential client (unset: a public client)
``WEB_OIDC_REDIRECT_URL``   the callback the provider sends the browser back to
                      (``https://<host>/auth/callback``; unset: this request's own origin)
``WEB_OIDC_SCOPES``         the scopes asked for (``openid profile``)
``WEB_OIDC_AUTHORIZATION_URL``, ``WEB_OIDC_TOKEN_URL``, ``WEB_OIDC_END_SESSION_URL``
                      the provider's endpoints; unset, they come from its discovery document
                      (``{OIDC_ISSUER}/.well-known/openid-configuration``)
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from services.runtime.settings import ServiceName, Settings

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parents[1]


class WebSettings(Settings):
    """Settings of the web gateway process."""

    service_name: ServiceName = Field("web", validation_alias="SERVICE_NAME")
    eligibility_url: str = Field("http://127.0.0.1:8001", validation_alias="ELIGIBILITY_URL")
    attendance_url: str = Field("http://127.0.0.1:8002", validation_alias="ATTENDANCE_URL")
    reporting_url: str = Field("http://127.0.0.1:8003", validation_alias="REPORTING_URL")
    audit_url: str = Field("http://127.0.0.1:8004", validation_alias="AUDIT_URL")
    upstream_timeout_s: float = Field(30.0, gt=0, le=600, validation_alias="WEB_UPSTREAM_TIMEOUT_S")
    roster_import_max_bytes: int = Field(
        64 * 1024 * 1024, ge=1024, validation_alias="WEB_ROSTER_IMPORT_MAX_BYTES"
    )
    demo_login: bool = Field(False, validation_alias="WEB_DEMO_LOGIN")
    demo_personas: Path = Field(
        REPO_DIR / "var" / "demo" / "personas.json", validation_alias="WEB_DEMO_PERSONAS"
    )
    static_dir: Path = Field(PACKAGE_DIR / "static", validation_alias="WEB_STATIC_DIR")
    node_modules: Path = Field(PACKAGE_DIR / "node_modules", validation_alias="WEB_NODE_MODULES")
    # --- single sign-on through the platform's OpenID Connect provider (services.web.sso) ---
    oidc_client_id: str | None = Field(None, min_length=1, validation_alias="WEB_OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr | None = Field(None, validation_alias="WEB_OIDC_CLIENT_SECRET")
    oidc_redirect_url: str | None = Field(None, validation_alias="WEB_OIDC_REDIRECT_URL")
    oidc_scopes: str = Field("openid profile", min_length=1, validation_alias="WEB_OIDC_SCOPES")
    oidc_authorization_url: str | None = Field(None, validation_alias="WEB_OIDC_AUTHORIZATION_URL")
    oidc_token_url: str | None = Field(None, validation_alias="WEB_OIDC_TOKEN_URL")
    oidc_end_session_url: str | None = Field(None, validation_alias="WEB_OIDC_END_SESSION_URL")

    @model_validator(mode="after")
    def _check_sso(self) -> WebSettings:
        if self.oidc_client_id and not self.oidc_configured:
            raise ValueError("WEB_OIDC_CLIENT_ID needs the provider: OIDC_ISSUER, OIDC_JWKS_URL")
        if self.environment == "production":
            for name, url in (
                ("WEB_OIDC_REDIRECT_URL", self.oidc_redirect_url),
                ("WEB_OIDC_AUTHORIZATION_URL", self.oidc_authorization_url),
                ("WEB_OIDC_TOKEN_URL", self.oidc_token_url),
                ("WEB_OIDC_END_SESSION_URL", self.oidc_end_session_url),
            ):
                if url and not url.lower().startswith("https://"):
                    raise ValueError(f"{name} must be an https:// URL in production")
        return self

    @property
    def sso_configured(self) -> bool:
        """Whether the web app signs in through the provider (a provider and a client)."""
        return self.oidc_configured and bool(self.oidc_client_id)

    @property
    def oidc_scope_list(self) -> list[str]:
        scopes = [s for s in self.oidc_scopes.replace(",", " ").split() if s]
        return scopes if "openid" in scopes else ["openid", *scopes]

    @property
    def upstreams(self) -> dict[str, str]:
        """Base URL of each service the gateway reaches, by service name."""
        return {
            "eligibility": self.eligibility_url.rstrip("/"),
            "attendance": self.attendance_url.rstrip("/"),
            "reporting": self.reporting_url.rstrip("/"),
            "audit": self.audit_url.rstrip("/"),
        }

    @property
    def chart_js(self) -> Path:
        return self.node_modules / "chart.js" / "dist" / "chart.umd.js"

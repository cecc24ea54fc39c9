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
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

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

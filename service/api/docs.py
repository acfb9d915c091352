"""``/docs`` served offline: Swagger UI's assets ship in a package, not from a CDN.

The page FastAPI renders starts Swagger UI with one inline script; instead of loosening the
service-wide Content-Security-Policy (``service.api.edge``), ``/docs`` answers with its own
policy that allows exactly that script, by its SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

_INLINE = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def docs_policy(body: bytes) -> str:
    """A strict policy for ``body`` that admits its inline scripts by hash (Swagger UI also
    sets element styles, hence inline styles)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE.findall(body)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def install_docs(app: FastAPI) -> None:
    """Mount the Swagger UI assets and serve ``/docs`` from them (``docs_url=None`` on app)."""
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="crownlog API",
        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/docs-assets/swagger-ui.css",
        swagger_favicon_url="/docs-assets/favicon-32x32.png",
    ).body
    policy = docs_policy(bytes(page))

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})

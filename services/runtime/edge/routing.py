"""The router every service's HTTP edge is built from.

Request bodies are parsed with orjson: it is several times faster than the standard library
and it refuses what cannot be stored or published, such as a lone UTF-16 surrogate
(``"\\ud800"``), so such a body gets a 422 instead of failing later as a 500.

A route that takes a bearer token checks it first: an anonymous caller (or a bad token) gets
401 before anything of the request is read or validated, so an invalid body, path or query
never answers 422 to someone who may not call the route at all.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Iterator
from enum import Enum
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from services.runtime.edge.deps import authenticate

ROUTE_TEMPLATE_KEY = "wfa.route_template"
"""Where a middleware that answers a route itself (the hot routes) names the route's template
for the request figures (:mod:`services.runtime.edge.telemetry`)."""


class _OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            # orjson.JSONDecodeError subclasses json.JSONDecodeError: FastAPI answers 422
            self._json = orjson.loads(await self.body())
        return self._json


def takes_bearer_token(dependant: Dependant) -> bool:
    """Whether a route reads the ``Authorization`` header (itself or through a dependency):
    every such route of the services requires a bearer token."""
    todo = [dependant]
    while todo:
        current = todo.pop()
        if any(field.alias.lower() == "authorization" for field in current.header_params):
            return True
        todo.extend(current.dependencies)
    return False


class JsonRoute(APIRoute):
    """An API route whose JSON body is decoded strictly, with orjson, and whose bearer token
    (when it takes one) is checked before the request is validated."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        authenticated = takes_bearer_token(self.dependant)

        async def route(request: Request) -> Response:
            if authenticated:
                # 401 before FastAPI reads the body; the verified token is cached, so the
                # route's own dependency finds it again without a second check
                await authenticate(request.app.state.context, request.headers.get("authorization"))
            return await handler(_OrjsonRequest(request.scope, request.receive))

        return route


def service_router(prefix: str, tags: list[str | Enum]) -> APIRouter:
    """An ``APIRouter`` for a service's routes (strict JSON bodies)."""
    return APIRouter(prefix=prefix, tags=tags, route_class=JsonRoute)


M = TypeVar("M", bound=BaseModel)

#: where an operation's ``openapi_extra`` carries the schemas its body refers to; the host
#: moves them into ``components`` (see :func:`body_schema_doc`)
COMPONENTS_KEY = "x-wfa-components"


async def json_body(request: Request, model: type[M]) -> M:
    """The request body as ``model``, parsed by hand for a hot route.

    FastAPI resolves a declared body parameter through its general machinery on every
    request; a route on the hot path reads the body itself, with the same strict orjson
    decoding and the same 422 answer (``RequestValidationError``, locations under ``body``).
    """
    raw = await request.body()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error"}]
        ) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from exc


def body_schema_doc(model: type[BaseModel], description: str = "") -> dict[str, Any]:
    """``openapi_extra`` documenting a body read with :func:`json_body`."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.pop("$defs", {})
    components[model.__name__] = schema
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        },
        COMPONENTS_KEY: components,
    }


def install_body_components(app: FastAPI) -> None:
    """Move the schemas of hand-read bodies into the OpenAPI document's components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and COMPONENTS_KEY in operation:
                    schemas.update(operation.pop(COMPONENTS_KEY))
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------------
# Hot routes
# --------------------------------------------------------------------------------------------

Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route, also those of included routers (FastAPI keeps an included router as
    one entry that holds the original router's routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)


_HOT = "__wfa_hot_route__"


def hot_route(endpoint: Endpoint) -> Endpoint:
    """Mark an endpoint of the hottest write path to be served by :class:`HotRoutes`.

    It must take the ``Request`` alone, read its body and caller by hand (:func:`json_body`)
    and have no path parameters. It stays an ordinary route as well: OpenAPI documents it, and
    every other way of reaching it (a ``HEAD``, a trailing slash) goes through the router.
    """
    setattr(endpoint, _HOT, True)
    return endpoint


class HotRoutes:
    """Serves the routes marked with :func:`hot_route` without the router's general machinery.

    FastAPI's router matches every route in turn, then wraps the endpoint in its exception
    and dependency layers; on the morning peak's check-in that costs about as much as the
    check-in itself. This middleware, innermost of the service's own (inside the body limit
    and the service gate, so both still apply), answers an exact ``(method, path)`` of a hot
    route directly, and turns its exceptions into answers with the app's own exception
    handlers, as the router would.
    """

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner
        self._routes: dict[tuple[str, str], Endpoint] | None = None

    def _hot_routes(self) -> dict[tuple[str, str], Endpoint]:
        if self._routes is None:
            self._routes = {
                (method, route.path): route.endpoint
                for route in api_routes(self.owner.routes)
                if getattr(route.endpoint, _HOT, False)
                for method in route.methods or ()
            }
        return self._routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self._hot_routes().get((scope["method"], scope["path"]))
            if endpoint is not None:
                scope[ROUTE_TEMPLATE_KEY] = scope["path"]  # no path parameters: the template
                request = Request(scope, receive)
                try:
                    response = await endpoint(request)
                except Exception as exc:
                    handler = self._handler_for(exc)
                    if handler is None:
                        raise
                    response = await handler(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _handler_for(self, exc: Exception) -> Any:
        """The app's handler of ``exc``'s class, as the router's exception layer would find
        it. The catch-all of ``Exception`` is not used here: what nothing else handles
        propagates, through the outer middlewares (the body limit answers its own 413), to
        the app's outermost layer, which logs it and answers 500."""
        handlers = self.owner.exception_handlers
        for cls in type(exc).__mro__:
            if cls is Exception:
                break
            if cls in handlers:
                return handlers[cls]
        return None


def install_hot_routes(app: FastAPI) -> None:
    """Add :class:`HotRoutes`; call it before the other middlewares so it is the innermost."""
    app.add_middleware(HotRoutes, owner=app)

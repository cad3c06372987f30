"""How the service reads a request body: JSON in UTF-8, size-limited, one value per key.

FastAPI alone is lenient where a client deserves a precise answer: any content
type ends as a 422 about a missing object, a large chunked body as a 400
"error parsing the body", UTF-16 is decoded by guesswork and a key sent twice
silently keeps its last value. Here each broken rule has its own status, and
the OpenAPI schema documents them all:

======  ===============================================================
status  when
======  ===============================================================
415     the Content-Type is not ``application/json`` (in UTF-8)
413     the body is larger than the limit, as declared or as it streams in
400     the body is not one JSON value: empty, not UTF-8, not JSON, a key
        given twice in an object, or nested absurdly deep
422     it is JSON, but its values do not fit the schema (``app.py``)
======  ===============================================================

The rules sit in a route class, so the body is read and parsed once, by
FastAPI's own request handling, and routes without a body are untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import HTTPException
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope

JSON_MEDIA_TYPE = "application/json"


class BodyProblem(HTTPException):
    """A body refused before its values are looked at: 400, 413 or 415, with the reason."""


def strict_json_route(max_bytes: int) -> type[APIRoute]:
    """A route class whose JSON bodies follow this module's rules, up to ``max_bytes``."""

    class StrictJsonRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            if self.body_field is None:
                return handler

            async def read_strictly(request: Request) -> Response:
                check_headers(request.headers, max_bytes)
                strict = StrictJsonRequest(request.scope, request.receive, max_bytes)
                await strict.json()  # read and parsed here, so an empty body is refused too
                return await handler(strict)

            return read_strictly

    return StrictJsonRoute


def check_headers(headers: Mapping[str, str], max_bytes: int) -> None:
    """Refuse a body by its headers alone: wrong type (415) or a declared size too big (413)."""
    content_type = headers.get("content-type")
    if not _is_json(content_type):
        sent = repr(content_type[:60]) if content_type else "no Content-Type"
        raise BodyProblem(415, f"send the body as {JSON_MEDIA_TYPE} in UTF-8, not {sent}")
    declared = headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
        raise BodyProblem(413, f"request body larger than {max_bytes} bytes")


def parse_json(body: bytes) -> Any:
    """The one JSON value in ``body``, or ``BodyProblem`` (400) saying why there is none."""
    if not body.strip():
        raise BodyProblem(400, "the body is empty: send one JSON object")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyProblem(400, f"the body is not UTF-8 (byte {error.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_refuse_repeated_keys)
    except json.JSONDecodeError as error:
        message = f"the body is not JSON: {error.msg} at character {error.pos}"
        raise BodyProblem(400, message) from None
    except RecursionError:
        raise BodyProblem(400, "the body's JSON is nested too deeply") from None


class StrictJsonRequest(Request):
    """A request whose ``body()`` stops at ``max_bytes`` and whose ``json()`` is strict."""

    def __init__(self, scope: Scope, receive: Receive, max_bytes: int):
        super().__init__(scope, receive)
        self.max_bytes = max_bytes

    async def body(self) -> bytes:
        """The whole body; 413 as soon as it passes the limit, chunked or not."""
        if not hasattr(self, "_body"):
            chunks, size = [], 0
            async for chunk in self.stream():
                size += len(chunk)
                if size > self.max_bytes:
                    raise BodyProblem(413, f"request body larger than {self.max_bytes} bytes")
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        """The body's JSON value, by ``parse_json``'s rules."""
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    media_type, _, parameters = content_type.partition(";")
    if media_type.strip().lower() != JSON_MEDIA_TYPE:
        return False
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            return False
    return True


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise BodyProblem(400, f"the key {json.dumps(key)} appears twice in one object")
            seen.add(key)
    return found

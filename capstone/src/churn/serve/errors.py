"""Every refusal the service answers, with the body the OpenAPI schema promises for it.

A 422 names each field that does not fit (``ValidationProblem``); every other
refusal says what went wrong in one line (``Problem``). ``BODY_RESPONSES`` and
``MODEL_RESPONSES`` put exactly these in the schema, so ``/docs`` and a
schema-driven client see what the service really does.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from churn.serve.batcher import NoModel
from churn.serve.body import BodyProblem
from churn.serve.schemas import Problem, ValidationProblem

# What a route that reads a JSON body and scores it may answer besides 200.
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not one JSON value"},
    413: {"model": Problem, "description": "The body is larger than the limit"},
    415: {"model": Problem, "description": "The body is not application/json in UTF-8"},
    422: {"model": ValidationProblem, "description": "Values that do not fit the schema"},
    503: {"model": Problem, "description": "No model is loaded yet"},
}
# What a route that only reports on the model may answer besides 200.
MODEL_RESPONSES: dict[int | str, dict[str, Any]] = {503: BODY_RESPONSES[503]}


def problem(status: int, detail: str, **more: Any) -> Response:
    """A JSON error body; ASCII-escaped, so any character a client sent can be echoed."""
    return Response(json.dumps({"detail": detail, **more}), status, media_type="application/json")


def install(app: FastAPI) -> None:
    """Answer every refusal the way the schema documents it."""
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(BodyProblem)(unreadable_body)
    app.exception_handler(NoModel)(no_model)


async def invalid_request(request: Request, error: RequestValidationError) -> Response:
    """422 naming each bad field; the bad value itself is not echoed (it may be huge)."""
    errors = []
    for item in error.errors():
        location = [str(part) for part in item["loc"] if part != "body"]
        errors.append({"field": ".".join(location) or "body", "message": item["msg"]})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, f"invalid request: {summary}", errors=errors)


async def unreadable_body(request: Request, error: BodyProblem) -> Response:
    """400, 413 or 415: the body was refused before its values were looked at."""
    return problem(error.status_code, str(error.detail))


async def no_model(request: Request, error: NoModel) -> Response:
    """503: the service is alive but has no model to answer with."""
    return problem(503, f"no model is loaded: {error}")

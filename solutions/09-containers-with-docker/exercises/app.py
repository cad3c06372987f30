"""A stand-in for lesson 08's churn service, small enough to build in seconds.

It has the service's outside: port 8000, ``GET /health`` for the health check,
and the settings a real service reads from its environment (``MODEL_URI``,
``MLFLOW_TRACKING_URI``). ``GET /`` shows them. It needs only uvicorn, so the
image builds in seconds; the capstone's image packages the real service.

Run it: ``uvicorn app:app --host 0.0.0.0 --port 8000``.
"""

# GIVEN FILE: the Dockerfile and compose.yaml are the exercises; this app is given whole.

from __future__ import annotations

import json
import os


async def app(scope, receive, send):
    """A bare ASGI application: ``/health`` and ``/``, JSON answers."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["path"] == "/health":
        status, body = 200, {"status": "ok"}
    elif scope["path"] == "/":
        settings = {
            "model_uri": os.environ.get("MODEL_URI", "models:/churn@champion"),
            "tracking_uri": os.environ.get("MLFLOW_TRACKING_URI", ""),
            "user_id": os.getuid(),
        }
        status, body = 200, settings
    else:
        status, body = 404, {"detail": "not found"}
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})

"""HEAD is GET without the body (RFC 9110), for every GET route.

Load balancers and ``curl -I`` probe ``/health`` with HEAD. FastAPI routes
answer only the methods they list, and listing HEAD beside GET would give two
operations one id in the OpenAPI schema; so HEAD is answered here, once, as
the GET it stands for, and the server sends the headers only.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: route a HEAD request as GET and send no body back."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass every request on; a HEAD one as GET, with its body dropped from the answer."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)

"""uvicorn's HTTP/1.1 protocol with limits on each request head (request line and headers).

uvicorn bounds neither the time a client may take to send a head nor its size: a client that
trickles header bytes ("slowloris") holds its connection for ever, and one header may grow
without end in memory. This protocol answers 408 to a head that is not complete
`request_header_timeout_s` after the connection opened or the request began, and 431 to one
past `MAX_HEAD_BYTES`, and closes the connection either way. Bodies are the application's
business (`api.middleware.RequestBodyGuard`).
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from api.config import get_settings
from api.errors import problem_response

# Browsers send a few KiB; nginx's default buffers allow 4 × 8 KiB.
MAX_HEAD_BYTES = 64 * 1024
# After a refusal the connection is half-closed and what still arrives is read and dropped for
# this long: closed at once with unread bytes, the socket would be reset, and a reset can
# destroy the refusal before the client has read it.
LINGER_S = 2.0


class GuardedHttpProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_timeout_s = get_settings().request_header_timeout_s
        self.head_timer: asyncio.TimerHandle | None = None
        self.awaiting_head = False
        self.head_bytes = 0
        self.refused = False

    def _start_head(self) -> None:
        self.awaiting_head = True
        self.head_bytes = 0
        if self.head_timer is not None:
            self.head_timer.cancel()
        self.head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _end_head(self) -> None:
        self.awaiting_head = False
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _refuse(self, status: int, code: str, detail: str) -> None:
        self._end_head()
        if self.transport.is_closing():
            return
        response = problem_response(status, code, HTTPStatus(status).phrase, detail)
        head = [
            STATUS_LINE[status],
            b"content-type: application/problem+json\r\n",
            b"content-length: %d\r\n" % len(response.body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + bytes(response.body))
        self.refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.awaiting_head:
            self._refuse(
                408,
                "request_timeout",
                f"The request line and headers did not arrive within {self.head_timeout_s:g} s.",
            )

    # --- asyncio.Protocol and parser callbacks -----------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()  # also a connection that never sends a byte

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_head()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        super().data_received(data)
        # Still inside a head after the parser took this chunk: all of it belongs to heads.
        if self.awaiting_head and not self.transport.is_closing():
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self._refuse(
                    431,
                    "request_header_fields_too_large",
                    f"The request line and headers may be at most {MAX_HEAD_BYTES:,} bytes.",
                )

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self.awaiting_head:  # the next request on a kept-alive connection
            self._start_head()

    def on_headers_complete(self) -> None:
        self._end_head()
        super().on_headers_complete()

"""The plumbing both fakes share: a threaded HTTP/1.1 server on 127.0.0.1, an ephemeral port, chunked replies."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

# A client that hangs up mid-stream (a cancelled request, a timed-out test) is not a server error.
GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


@dataclass
class Received:
    """One request as the fake saw it: what tests assert on."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or the raw bytes when it was not JSON, or None
    time: float = 0.0  # time.monotonic() when the request arrived


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked replies, as real servers do
    disable_nagle_algorithm = True  # without it small replies wait ~40 ms and timings are wrong
    server: FakeHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    @property
    def fake(self) -> Any:
        return self.server.fake

    def read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    def record(self, body: Any) -> Received:
        seen = Received(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic()
        )
        with self.fake.lock:
            self.fake.requests.append(seen)
        return seen

    def send_json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def start_chunked(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.flush()

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a stream a client abandoned
    fake: Any


@dataclass
class FakeServer:
    """Base for the fakes: `with Fake(...) as fake:` starts it on 127.0.0.1:<free port> and stops it after."""

    requests: list[Received] = field(default_factory=list, init=False, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _server: FakeHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    handler: ClassVar[type[Handler]] = Handler

    @property
    def port(self) -> int:
        assert self._server is not None, "the fake is not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Any:
        if self._server is None:
            self._server = FakeHTTPServer(("127.0.0.1", 0), self.handler)
            self._server.fake = self
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
            self._thread.daemon = True
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def received(self, path_part: str = "") -> list[Received]:
        """Requests seen so far (a copy), optionally only those whose path contains `path_part`."""
        with self.lock:
            return [r for r in self.requests if path_part in r.path]

    def take_failure(self) -> int | None:
        """The status to fail this request with, if the fake is set to fail (counts down `fail_count`)."""
        with self.lock:
            status = getattr(self, "fail_status", None)
            if status is None:
                return None
            left = getattr(self, "fail_count", None)
            if left is None:
                return int(status)
            if left <= 0:
                return None
            self.fail_count = left - 1  # type: ignore[attr-defined]
            return int(status)

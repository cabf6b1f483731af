"""The ceiling: a bare WSGI "hello" on the same waitress settings as `okey serve`.

`python -m bench.hello PORT THREADS` serves it on 127.0.0.1 until terminated.
"""

from __future__ import annotations

import sys

from waitress.server import create_server


def hello(environ, start_response):
    body = b"hello\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def main(port: int, threads: int) -> None:
    server = create_server(hello, host="127.0.0.1", port=port, threads=threads, ident="okey",
                           max_request_body_size=21 * 1024 * 1024)
    print(f"hello on {port}", flush=True)
    server.run()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))

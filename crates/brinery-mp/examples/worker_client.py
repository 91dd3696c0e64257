"""Drive the Rust worker (examples/worker.rs) from Python.

    python3 worker_client.py connect 127.0.0.1:6000   # the Rust worker listens
    python3 worker_client.py listen 127.0.0.1:6000    # the Rust worker connects

Authkey: env BRINERY_MP_AUTHKEY (default "secret").
"""

import os
import sys
from multiprocessing.connection import Client, Listener


def drive(conn):
    """Send the requests, yield one line per answer."""
    conn.send({"op": "sum", "values": list(range(1, 101))})
    yield "sum %d" % conn.recv()["result"]
    conn.send({"op": "stats", "values": [1, 2, 3.0, 4]})
    yield "stats %r" % (conn.recv(),)
    conn.send({"op": "fly", "values": []})
    yield "error %s" % conn.recv()["error"]
    conn.send({"op": "stop"})
    yield "stopped %r" % conn.recv()["stopped"]


def parse(address):
    if "/" not in address and ":" in address:
        host, port = address.rsplit(":", 1)
        return (host, int(port))
    return address


def main():
    mode, address = sys.argv[1], parse(sys.argv[2])
    key = os.environ.get("BRINERY_MP_AUTHKEY", "secret").encode()
    if mode == "connect":
        conn = Client(address, authkey=key)
    else:
        with Listener(address, authkey=key) as listener:
            print("listening on", listener.address, flush=True)
            conn = listener.accept()
    with conn:
        for line in drive(conn):
            print(line, flush=True)


if __name__ == "__main__":
    main()

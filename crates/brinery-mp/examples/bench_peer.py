"""Python side of examples/bench.rs (round trips and MB/s).

    python3 bench_peer.py echo ADDRESS           # echo server; prints ADDR
    python3 bench_peer.py client ADDRESS SIZE N  # N round trips of SIZE bytes
    python3 bench_peer.py objects ADDRESS LEN N  # N round trips of list(range(LEN))
                                                 # with send()/recv() (pickled)

Authkey: env BRINERY_MP_AUTHKEY (default "secret"). The client prints the
seconds its N round trips took (after 3 warm-up trips).
"""

import os
import sys
import time
from multiprocessing.connection import Client, Listener


def parse(address):
    if "/" not in address and ":" in address:
        host, port = address.rsplit(":", 1)
        return (host, int(port))
    return address


def echo(address, key):
    """Echo every message until one says STOP."""
    with Listener(address, authkey=key) as listener:
        a = listener.address
        print("ADDR", "%s:%d" % a[:2] if isinstance(a, tuple) else a, flush=True)
        while True:
            with listener.accept() as conn:
                try:
                    while True:
                        msg = conn.recv_bytes()
                        if msg == b"STOP":
                            return
                        conn.send_bytes(msg)
                except EOFError:
                    pass


def round_trips(address, key, payload, n, pickled):
    """Seconds for n round trips of payload (after 3 warm-up trips)."""
    with Client(address, authkey=key) as conn:
        send, recv = (conn.send, conn.recv) if pickled else (conn.send_bytes, conn.recv_bytes)
        for _ in range(3):
            send(payload)
            recv()
        t0 = time.perf_counter()
        for _ in range(n):
            send(payload)
            back = recv()
        took = time.perf_counter() - t0
        assert back == payload
    return took


def main():
    key = os.environ.get("BRINERY_MP_AUTHKEY", "secret").encode()
    mode, address = sys.argv[1], parse(sys.argv[2])
    if mode == "echo":
        echo(address, key)
        return
    size, n = int(sys.argv[3]), int(sys.argv[4])
    if mode == "objects":
        took = round_trips(address, key, list(range(size)), n, pickled=True)
    else:
        took = round_trips(address, key, os.urandom(size), n, pickled=False)
    print(took, flush=True)


if __name__ == "__main__":
    main()

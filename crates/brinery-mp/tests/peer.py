"""The Python side of brinery-mp's interoperability tests.

    python peer.py client ADDRESS KEYHEX SCENARIO [ARG]
    python peer.py listen ADDRESS KEYHEX SCENARIO [ARG]

ADDRESS is host:port (TCP; port 0 when listening picks a free one) or a
Unix socket path. KEYHEX is the authkey in hex, or '-' for none. A listener
prints 'ADDR <address>' once bound. Every result line starts with 'OK' or
'FAIL'; the exit status is 0 only if the scenario ran to its end. The
process kills itself after 120 s so a test can never hang on it.
"""

import datetime
import decimal
import fractions
import collections
import os
import pickle
import signal
import struct
import sys
import time
from multiprocessing import connection as mpc
from multiprocessing.reduction import ForkingPickler

signal.alarm(120)


def parse_address(text):
    if "/" not in text and ":" in text:
        host, port = text.rsplit(":", 1)
        return (host, int(port))
    return text


def show_address(address):
    if isinstance(address, tuple):
        return "%s:%d" % address[:2]
    return address


def out(*parts):
    print(*parts, flush=True)


def values():
    """Every builtin type, nested and shared values, cycles."""
    shared = [1, "two", 3.0]
    cyc = []
    cyc.append(cyc)
    dcyc = {}
    dcyc["self"] = dcyc
    s = "shared string"
    t = (1, 2)
    vals = [
        None, True, False, Ellipsis, NotImplemented,
        0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**31, 2**63 - 1,
        -2**63, 2**64, -2**64 - 1, 10**100, -(10**300), 2**10000,
        0.0, -0.0, 1.5, -2.25, 1e308, 5e-324, float("inf"), float("-inf"),
        float("nan"), 3.141592653589793,
        1 + 2j, complex(0, -1.5),
        "", "a", "hello world", "caf\u00e9", "\u20ac\U0001f600", "\ud800x",
        "x" * 300, "line\nbreak\x00nul",
        b"", b"\x00\xff", bytes(range(256)), b"y" * 70000,
        bytearray(), bytearray(b"abc"),
        [], [1], [1, [2, [3, [4]]]], list(range(2500)),
        (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), tuple(range(1000)),
        {}, {"a": 1}, {1: "one", (1, 2): [3], None: {}, 2.5: b"x", frozenset([1]): True},
        {str(i): i for i in range(1500)},
        set(), {1, 2, 3}, set(range(1200)), frozenset(), frozenset({"a", "b"}),
        range(10), range(-5, 100, 7), slice(1, 10, 2), slice(None),
        int, str, len, type(None), Exception, ValueError("bad", 3),
        [shared, shared, {"again": shared}],
        [s, s, (s, s)],
        [t, t, [t]],
        cyc, dcyc, [cyc, dcyc],
        collections.OrderedDict([("b", 1), ("a", 2)]),
        decimal.Decimal("1.10"), fractions.Fraction(3, 7),
        datetime.date(2024, 2, 29), datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
        [[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]],
    ]
    nest = leaf = []
    for _ in range(400):
        nxt = []
        leaf.append(nxt)
        leaf = nxt
    vals.append(nest)
    return vals


def rust_values():
    """What tests/interop.rs sends with send_value / send (same order)."""
    return [
        {"name": "Luna", "age": 5, "tags": ["dog", "good"], "weight": 12.5, "chip": None},
        [1, -2, 3000000000, 2**70],
        ("tuple", True, b"\x00\x01"),
        {1: "one", 2: "two"},
        "caf\u00e9 \u20ac",
        [[1, 2], [1, 2]],
    ]


def send_pieces(conn, data, first_single=64):
    """Write data straight to the socket in small pieces with pauses."""
    fd = conn.fileno()
    i = 0
    n = 0
    while i < len(data):
        step = 1 if i < first_single else 1 + (n * 7919) % 4096
        os.write(fd, data[i:i + step])
        i += step
        n += 1
        if i <= first_single or n % 50 == 0:
            time.sleep(0.001)
    return n


def frame(payload):
    return struct.pack("!i", len(payload)) + payload


def run(conn, scenario, arg):
    if scenario == "echo_values":
        # We send each value; the Rust side recv()s it as a Graph and send()s
        # it back; the bytes must be what ForkingPickler.dumps writes.
        vals = values()
        shared = [1, "two"]
        shared_value = [shared, shared, {"again": shared}]
        cyc = []
        cyc.append(cyc)
        conn.send(len(vals) + 2)
        same = 0
        for i, v in enumerate(vals):
            conn.send(v)
            got = conn.recv_bytes()
            want = bytes(ForkingPickler.dumps(v))
            if got == want:
                same += 1
            else:
                out("FAIL value", i, repr(v)[:80], "got", got[:80], "want", want[:80])
            back = pickle.loads(got)
            if repr(back)[:2000] != repr(v)[:2000]:
                out("FAIL repr", i, repr(back)[:80])
        # identity of shared parts, from what Rust sent back
        conn.send(shared_value)
        got = conn.recv_bytes()
        same += got == bytes(ForkingPickler.dumps(shared_value))
        x = pickle.loads(got)
        if x[0] is x[1] and x[2]["again"] is x[0]:
            out("OK shared identity kept")
        else:
            out("FAIL shared identity lost")
        conn.send(cyc)
        got = conn.recv_bytes()
        same += got == bytes(ForkingPickler.dumps(cyc))
        c = pickle.loads(got)
        if c[0] is c:
            out("OK cycle kept")
        else:
            out("FAIL cycle lost")
        out("OK values %d/%d byte-identical" % (same, len(vals) + 2))
    elif scenario == "echo_bytes":
        sizes = [0, 1, 3, 4, 100, 16384, 16385, 65536, 100000, 1 << 20, 3 * (1 << 20) + 7]
        same = 0
        for n in sizes:
            data = os.urandom(n)
            conn.send_bytes(data)
            if conn.recv_bytes() == data:
                same += 1
        conn.send_bytes(b"END")
        out("OK bytes %d/%d" % (same, len(sizes)))
    elif scenario == "rust_values":
        want = rust_values()
        got = [conn.recv() for _ in want]
        ok = sum(1 for a, b in zip(got, want) if a == b and type(a) is type(b))
        for a, b in zip(got, want):
            if a != b or type(a) is not type(b):
                out("FAIL rust value", repr(a), "!=", repr(b))
        shared = conn.recv()
        if shared[0] is shared[1] and shared[0] == ["s", 1]:
            ok += 1
            out("OK rust graph shares")
        else:
            out("FAIL rust graph", repr(shared))
        conn.send(ok)
        out("OK rust values %d/%d" % (ok, len(want) + 1))
    elif scenario == "big":
        n = int(arg)
        data = bytes(range(256)) * (n // 256) + b"!" * (n % 256)
        conn.send(data)
        got = conn.recv_bytes()
        want = bytes(ForkingPickler.dumps(data))
        out("OK big %d echoed %s" % (n, "identical" if got == want else "DIFFERENT"))
    elif scenario == "too_large":
        n = int(arg)
        try:
            conn.send_bytes(b"z" * n)
            out("OK sent")
        except OSError as e:
            out("OK send failed", type(e).__name__)
        try:
            conn.recv_bytes()
            out("FAIL got a reply")
        except (EOFError, OSError) as e:
            out("OK peer closed", type(e).__name__)
    elif scenario == "split":
        msg = {"k%d" % i: list(range(i % 17)) for i in range(3000)}
        data = frame(bytes(ForkingPickler.dumps(msg)))
        pieces = send_pieces(conn, data)
        back = conn.recv()
        out("OK split %d pieces %s" % (pieces, "identical" if back == msg else "DIFFERENT"))
        payload = b"long form header"
        pieces = send_pieces(conn, struct.pack("!iQ", -1, len(payload)) + payload, 12)
        out("OK long form sent %d" % conn.recv())
    elif scenario == "huge":
        # Over 0x7fffffff: CPython's send_bytes writes -1 and an 8-byte
        # length; the echo from Rust is read the way CPython's _recv_bytes
        # parses it, but drained instead of kept.
        n = int(arg)
        conn.send_bytes(b"\x01" * (n - 1) + b"\x09")
        fd = conn.fileno()

        def readn(k):
            buf = b""
            while len(buf) < k:
                chunk = os.read(fd, k - len(buf))
                if not chunk:
                    raise EOFError
                buf += chunk
            return buf

        first, = struct.unpack("!i", readn(4))
        size, = struct.unpack("!Q", readn(8))
        got, last = 0, b""
        while got < size:
            chunk = os.read(fd, min(1 << 20, size - got))
            if not chunk:
                raise EOFError
            got += len(chunk)
            last = chunk[-1:]
        out("OK huge header %d size %d last %s" % (first, size, last.hex()))
    elif scenario == "raw":
        # Faults: write the hex bytes of arg after the handshake, then close.
        os.write(conn.fileno(), bytes.fromhex(arg))
        time.sleep(0.05)
        conn.close()
        out("OK raw sent")
    elif scenario == "stall":
        time.sleep(float(arg))
        conn.send("late")
        out("OK", conn.recv())
    elif scenario == "stall_mid":
        os.write(conn.fileno(), struct.pack("!i", 100) + b"0123456789")
        time.sleep(float(arg))
        conn.close()
        out("OK stalled")
    elif scenario == "evil":
        # A pickle that would run a shell command if unpickled by Python.
        conn.send_bytes(b"cos\nsystem\n(S'touch " + arg.encode() + b"'\ntR.")
        out("OK", conn.recv())
    elif scenario == "basic":
        conn.send({"hello": [1, 2, 3]})
        out("OK", repr(conn.recv()))
    elif scenario == "worker_driver":
        sys.path.insert(0, arg)
        import worker_client
        for line in worker_client.drive(conn):
            out("OK", line)
    else:
        raise SystemExit("unknown scenario %r" % scenario)


def main():
    role, address, keyhex, scenario = sys.argv[1:5]
    arg = sys.argv[5] if len(sys.argv) > 5 else None
    key = None if keyhex == "-" else bytes.fromhex(keyhex)
    address = parse_address(address)
    if role == "client":
        if scenario == "silent":
            import socket
            fam = socket.AF_INET if isinstance(address, tuple) else socket.AF_UNIX
            s = socket.socket(fam)
            s.connect(address)
            time.sleep(float(arg))
            s.close()
            out("OK silent")
            return
        try:
            conn = mpc.Client(address, authkey=key)
        except mpc.AuthenticationError as e:
            out("OK AUTH_REFUSED", e)
            return
        out("OK connected")
        run(conn, scenario, arg)
    elif role == "listen":
        digest = None
        if scenario.startswith("digest:"):
            digest = scenario.split(":", 1)[1]
            scenario = "basic"
        listener = mpc.Listener(address, authkey=None if digest else key)
        out("ADDR", show_address(listener.address))
        try:
            conn = listener.accept()
            if digest:
                mpc.deliver_challenge(conn, key, digest_name=digest)
                mpc.answer_challenge(conn, key)
        except mpc.AuthenticationError as e:
            out("OK AUTH_REFUSED", e)
            listener.close()
            return
        out("OK accepted")
        run(conn, scenario, arg)
        listener.close()
    else:
        raise SystemExit("unknown role %r" % role)


if __name__ == "__main__":
    main()

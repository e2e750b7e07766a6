"""The checker of exercise 4: grades YOUR framing.py (send_msg, recv_msg) through tcp-echo.

Run it in the workbench, in the folder that holds your framing.py:

    python3 /app/docs/exercises/check_framing.py

It cannot be fooled by the mistakes the exercise teaches: it reads what send_msg put on the wire
with its own reader (a 4-byte big-endian length, then the body), feeds recv_msg frames it wrote
itself, and closes a connection in the middle of a message. A framing that agrees only with itself
(both ends little-endian, say) fails. Exits 0 when every check passes, 1 when one fails.
"""

import argparse
import importlib.util
import os
import random
import socket
import struct
import sys
import threading

HEADER = struct.Struct("!I")  # 4 bytes, unsigned, network order (big-endian)
TIMEOUT_S = 5


class Failed(Exception):
    """One check failed; the message says what was expected and what came."""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framing", default="framing.py", help="your file (default: ./framing.py)")
    parser.add_argument("--host", default="tcp-echo")
    parser.add_argument("--port", type=int, default=7)
    args = parser.parse_args()
    framing = load_framing(args.framing)
    checks = [
        ("send_msg writes a 4-byte big-endian length, then the body", check_wire_format),
        ("recv_msg reads frames written by another program, in network order", check_reads_frames),
        ("200 messages of 0 bytes to 70 kB come back whole, with short reads", check_round_trips),
        ("recv_msg raises ConnectionError when the connection ends mid-message", check_close_mid_message),
    ]
    failed = 0
    for title, check in checks:
        try:
            with socket.create_connection((args.host, args.port), timeout=TIMEOUT_S) as sock:
                check(sock, framing)
            print(f"PASS: {title}")
        except Failed as failure:
            failed += 1
            print(f"FAIL: {title}: {failure}")
        except socket.timeout:
            failed += 1
            print(f"FAIL: {title}: nothing more came within {TIMEOUT_S} s (did recv_msg wait for a wrong length?)")
        except Exception as error:  # a learner's code may raise anything; say which and go on
            failed += 1
            print(f"FAIL: {title}: {type(error).__name__}: {error}")
    if failed:
        print(f"{failed} of {len(checks)} checks failed")
        sys.exit(1)
    print(f"OK: all {len(checks)} checks passed")


def load_framing(path):
    if not os.path.exists(path):
        sys.exit(f"no {path} here: write it first (step 3), or pass --framing FILE")
    spec = importlib.util.spec_from_file_location("framing", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("send_msg", "recv_msg"):
        if not callable(getattr(module, name, None)):
            sys.exit(f"{path} has no function {name}")
    return module


def read_exactly(sock, n):
    """The checker's own reader: exactly n bytes, or Failed if the stream ends first."""
    chunks = []
    while n > 0:
        chunk = sock.recv(min(n, 65536))
        if not chunk:
            raise Failed("the connection ended early")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def check_wire_format(sock, framing):
    # A length whose bytes differ in every position: little-endian cannot pass for big-endian.
    for body in [bytes(range(256)) * 3 + b"x", b"", b"hi", os.urandom(70_000)]:
        framing.send_msg(sock, body)
        header = read_exactly(sock, HEADER.size)
        expected = HEADER.pack(len(body))
        if header != expected:
            order = " (that is little-endian)" if header == struct.pack("<I", len(body)) else ""
            raise Failed(
                f"a {len(body)}-byte body got the header {header.hex(' ')}{order}; "
                f"expected {expected.hex(' ')}, the length in network order"
            )
        if read_exactly(sock, len(body)) != body:
            raise Failed(f"the {len(body)} bytes after the header are not the body")


def check_reads_frames(sock, framing):
    bodies = [b"one", bytes(range(256)) * 3 + b"x", b"", os.urandom(70_000)]
    sender = send_in_background(sock, b"".join(HEADER.pack(len(b)) + b for b in bodies))
    for i, body in enumerate(bodies):
        got = framing.recv_msg(sock)
        if got != body:
            raise Failed(f"frame {i} held {len(body)} bytes; recv_msg returned {describe(got)}")
    sender.join()


def check_round_trips(sock, framing):
    rng = random.Random(862)
    messages = [rng.randbytes(rng.choice([0, 1, 4, 100, 1500, 70_000])) for _ in range(200)]

    def send_all():
        try:
            for message in messages:
                framing.send_msg(sock, message)
        except OSError:
            pass  # the check failed and closed the socket; its FAIL line says why

    # From a thread: tcp-echo sends back while we send, and someone must read meanwhile.
    sender = threading.Thread(target=send_all, daemon=True)
    sender.start()
    for i, sent in enumerate(messages):
        got = framing.recv_msg(sock)
        if got != sent:
            raise Failed(f"message {i} was {len(sent)} bytes; recv_msg returned {describe(got)}")
    sender.join()


def check_close_mid_message(sock, framing):
    # A header announcing 100 bytes, then 10, then our FIN: tcp-echo returns them and closes too.
    sock.sendall(HEADER.pack(100) + b"0123456789")
    sock.shutdown(socket.SHUT_WR)
    try:
        got = framing.recv_msg(sock)
    except ConnectionError:
        return
    raise Failed(f"10 of 100 bytes came before the close; recv_msg returned {describe(got)} instead of raising")


def send_in_background(sock, data):
    def send():
        try:
            sock.sendall(data)
        except OSError:
            pass  # the check failed and closed the socket; its FAIL line says why

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    return sender


def describe(value):
    if isinstance(value, (bytes, bytearray)):
        return f"{len(value)} bytes"
    return repr(value)[:60]


if __name__ == "__main__":
    main()

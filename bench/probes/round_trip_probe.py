# Runs in the workbench (sent as source text to `python3 -c`): 1-byte round trips to an echo server,
# one at a time, with blocking calls, the way sockperf's client waits, so the client adds as little
# as it can. Prints the percentiles in µs as one JSON line. A UDP datagram not back in time is lost.
import json
import socket
import sys
import time

options = json.loads(sys.argv[1])
now_ns = time.perf_counter_ns

if options["transport"] == "tcp":
    sock = socket.create_connection((options["host"], options["port"]))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
else:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((options["host"], options["port"]))
    sock.settimeout(options["lossTimeoutMs"] / 1000)

samples_ns = []
lost = 0
rounds = 0
deadline_ns = now_ns() + options["durationMs"] * 1_000_000
while len(samples_ns) < options["maxCount"] and now_ns() < deadline_ns:
    sent_ns = now_ns()
    sock.send(b"*")
    try:
        sock.recv(64)
    except socket.timeout:
        lost += 1
        continue
    round_trip_ns = now_ns() - sent_ns
    rounds += 1
    if rounds > options["warmupCount"]:
        samples_ns.append(round_trip_ns)
sock.close()

samples_ns.sort()
count = len(samples_ns)


def at(fraction):
    return samples_ns[min(count - 1, int(fraction * count))] / 1000 if count else 0


print(json.dumps({
    "count": count,
    "lost": lost,
    "p50Us": at(0.5),
    "p99Us": at(0.99),
    "meanUs": sum(samples_ns) / max(1, count) / 1000,
}))

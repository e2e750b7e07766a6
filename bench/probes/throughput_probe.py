# Runs in the workbench (sent as source text to `python3 -c`): a second client for the echo
# throughput, with one thread writing fixed-size chunks and one reading the echo (the socket calls
# release the GIL), to tell the server's bound from the Node client's. Prints one JSON line.
import json
import socket
import sys
import threading
import time

options = json.loads(sys.argv[1])
sock = socket.create_connection((options["host"], options["port"]))
chunk = b"a" * options["chunkBytes"]
counts = {"sent": 0, "received": 0}
running = True


def write():
    while running:
        sock.sendall(chunk)
        counts["sent"] += len(chunk)


def read():
    while True:
        data = sock.recv(256 * 1024)
        if not data:
            return
        counts["received"] += len(data)


for target in (write, read):
    threading.Thread(target=target, daemon=True).start()
time.sleep(options["warmupMs"] / 1000)
start = (time.perf_counter(), counts["sent"], counts["received"])
time.sleep(options["durationMs"] / 1000)
elapsed = time.perf_counter() - start[0]
print(json.dumps({
    "sentBytesPerSecond": (counts["sent"] - start[1]) / elapsed,
    "receivedBytesPerSecond": (counts["received"] - start[2]) / elapsed,
    "durationMs": elapsed * 1000,
}))
running = False

// The privileged trace helper's program (python3 -c), kept as a string so that the compiled
// package carries it without a data file beside the JavaScript. Arguments: the instance's name,
// its buffer in KiB, the prefix of socklab's instances, and the instances of helpers still running.
export const TRACEFS_READER_SCRIPT = `# Runs in socklab's privileged trace helper: makes a tracefs instance of its own, enables the TCP
# tracepoints on the TAI clock, streams trace_pipe to stdout until /tmp/stop appears, then drains
# it, reports overruns and removes the instance, leaving tracefs as it found it.
import os, select, subprocess, sys, time

TRACEFS = "/sys/kernel/tracing"
EVENTS = ["sock/inet_sock_set_state", "tcp/tcp_send_reset", "tcp/tcp_receive_reset", "tcp/tcp_retransmit_skb"]
STOP_FILE = "/tmp/stop"
name, buffer_kb, prefix, live = sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4:])
out = sys.stdout.buffer


def say(line):
    out.write(("#socklab " + line + "\\n").encode())
    out.flush()


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


if not os.path.exists(os.path.join(TRACEFS, "instances")):
    subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS], check=True)
instances = os.path.join(TRACEFS, "instances")
# Instances of helpers that were killed before they could clean up (their container is gone).
for stale in os.listdir(instances):
    path = os.path.join(instances, stale)
    if stale.startswith(prefix) and stale not in live:
        for event in EVENTS:
            try:
                write(os.path.join(path, "events", event, "enable"), "0")
            except OSError:
                pass
        os.rmdir(path)
        say("removed-stale " + stale)
instance = os.path.join(instances, name)
os.mkdir(instance)
try:
    write(os.path.join(instance, "trace_clock"), "tai")
    write(os.path.join(instance, "buffer_size_kb"), buffer_kb)
    for event in EVENTS:
        write(os.path.join(instance, "events", event, "enable"), "1")
    # CLOCK_TAI runs a whole number of seconds ahead of CLOCK_REALTIME (pcap's clock).
    tai_offset_s = round((time.clock_gettime_ns(time.CLOCK_TAI) - time.time_ns()) / 1e9)
    # The kernel's boot id: engines that share a kernel (simulated hosts) need one reader between them.
    with open("/proc/sys/kernel/random/boot_id") as f:
        boot_id = f.read().strip()
    say("ready tai-offset-s=%d boot-id=%s" % (tai_offset_s, boot_id))
    fd = os.open(os.path.join(instance, "trace_pipe"), os.O_RDONLY | os.O_NONBLOCK)
    stopping = False
    while True:
        select.select([fd], [], [], 0.05)
        try:
            data = os.read(fd, 1 << 16)
        except BlockingIOError:
            data = b""
        if data:
            out.write(data)
            out.flush()
        elif stopping:
            break
        # Checked whatever was read: the tracepoints are the whole host's, and a busy host may never
        # leave the pipe empty while tracing is on.
        if not stopping and os.path.exists(STOP_FILE):
            # Tracing is off from here; the next empty read means the buffer is drained.
            write(os.path.join(instance, "tracing_on"), "0")
            stopping = True
    os.close(fd)
    overrun = 0
    for cpu in os.listdir(os.path.join(instance, "per_cpu")):
        with open(os.path.join(instance, "per_cpu", cpu, "stats")) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("overrun", "dropped events"):
                    overrun += int(value.strip() or 0)
    say("end overrun=%d" % overrun)
finally:
    for event in EVENTS:
        try:
            write(os.path.join(instance, "events", event, "enable"), "0")
        except OSError:
            pass
    os.rmdir(instance)
`;

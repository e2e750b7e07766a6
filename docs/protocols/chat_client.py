#!/usr/bin/env python3
"""A client for socklab's chat service (docs/protocols/chat.md), Python 3 standard library only.

It is built on select(), like the seeds' multiplexing servers, but it does what they skip:
  * recv() returns whatever bytes have arrived, not one message: lines are cut out of a buffer,
    and a partial line waits there for the rest (TCP has no message boundaries, see 粘包);
  * send() may write only part of its buffer: every write is sendall();
  * bytes are decoded explicitly as UTF-8.

Three ways to run it:

  interactive (stdin is a terminal): every line you type is sent, every line the server sends
  is printed; Ctrl-D quits.
      python3 chat_client.py --host chat --port 6667 --nick alice

  piped (stdin is not a terminal): each stdin line is sent as it comes; at end of input the client
  says /quit and prints what the server sends until it closes the connection.
      printf 'hello\\n/who\\n' | python3 chat_client.py --nick alice

  scripted, for tests: --send and --expect steps run in the order given. --send writes a line;
  --expect waits for a line from the server that contains TEXT, received after the line the
  previous --expect matched (the first one looks at every line since connecting). All of it,
  connecting included, must finish within --timeout seconds.
      python3 chat_client.py --nick alice --send "hello" --expect "bob: hi" --timeout 10

Every line received is printed to stdout as it comes; diagnostics go to stderr.
Exit status: 0 done; 1 an --expect was not met in time; 2 bad arguments;
3 could not connect, nick refused, or the server closed the connection too early.
"""

import argparse
import os
import select
import socket
import sys
import time

EXIT_OK, EXIT_EXPECT_FAILED, EXIT_USAGE, EXIT_CONNECTION = 0, 1, 2, 3
RECV_BYTES = 4096
# The server never sends a line longer than 512 bytes; more than this without a newline is not chat.
MAX_PENDING_BYTES = 64 * 1024


class Closed(Exception):
    """The server closed the connection."""


class Failed(Exception):
    """The session cannot go on; args[0] says why, args[1] is the exit status."""


class LineBuffer:
    """Bytes in, whole lines out; the unfinished rest stays for the next feed()."""

    def __init__(self):
        self.pending = b""

    def feed(self, data):
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        if len(self.pending) > MAX_PENDING_BYTES:
            raise Failed("the server sent over 64 KiB without a line end", EXIT_CONNECTION)
        return [line.rstrip(b"\r").decode("utf-8", errors="replace") for line in lines]


class ChatSession:
    """One connection: sends lines with sendall, receives lines through select and a LineBuffer."""

    def __init__(self, sock, nick):
        self.sock = sock
        self.nick = nick
        self.buffer = LineBuffer()
        self.received = []  # every line so far, in order
        self.closed = False

    def send_line(self, text):
        self.sock.sendall(text.encode("utf-8") + b"\r\n")

    def read_available(self):
        """Reads once (call it when select says the socket is readable); returns the new lines."""
        data = self.sock.recv(RECV_BYTES)
        if not data:
            self.closed = True
            return []
        lines = self.buffer.feed(data)
        for line in lines:
            print(line, flush=True)
            self.received.append(line)
            if line.startswith("? ping:"):
                self.send_line("")  # any line answers the server's ping; an empty one says nothing
        return lines

    def wait_for(self, matches, start, deadline, what):
        """Reads until a line received at index `start` or later satisfies matches(line); its index."""
        checked = start
        while True:
            for index in range(checked, len(self.received)):
                if matches(self.received[index]):
                    return index
            checked = max(checked, len(self.received))
            if self.closed:
                raise Closed()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                last = self.received[-1] if self.received else "(nothing)"
                raise Failed(f"no line {what} within the timeout; last line: {last}", EXIT_EXPECT_FAILED)
            readable, _, _ = select.select([self.sock], [], [], remaining)
            if readable:
                self.read_available()

    def register(self, deadline):
        """Sends the nick; done when the server announces our join, failed on an error line."""
        start = len(self.received)
        self.send_line(self.nick)
        joined = f"* {self.nick} joined ".lower()

        def settled(line):
            return line.lower().startswith(joined) or line.startswith("! ")

        try:
            line = self.received[self.wait_for(settled, start, deadline, f"saying {self.nick} joined")]
        except Closed:
            raise Failed(f"the server closed the connection: {self.last_error()}", EXIT_CONNECTION)
        if line.startswith("! "):
            raise Failed(f"nick {self.nick!r} refused: {line[2:]}", EXIT_CONNECTION)

    def join(self, room, deadline):
        room = room if room.startswith("#") else f"#{room}"
        start = len(self.received)
        self.send_line(f"/join {room}")
        joined = f"* {self.nick} joined {room}".lower()

        def settled(line):
            return line.lower() == joined or line.startswith("! ")

        try:
            line = self.received[self.wait_for(settled, start, deadline, f"saying {joined}")]
        except Closed:
            raise Failed(f"the server closed the connection: {self.last_error()}", EXIT_CONNECTION)
        if line.startswith("! "):
            raise Failed(f"cannot join {room}: {line[2:]}", EXIT_CONNECTION)

    def quit(self, deadline):
        """Says /quit and prints what comes until the server closes, or the deadline passes."""
        if self.closed:
            return
        self.send_line("/quit")
        while not self.closed and time.monotonic() < deadline:
            readable, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
            if readable:
                self.read_available()

    def last_error(self):
        errors = [line for line in self.received if line.startswith("! ") or line.startswith("ERROR ")]
        return errors[-1] if errors else "no reason given"


def run_script(session, steps, deadline):
    """The --send / --expect steps, in order."""
    # Lines from the registration on count for the first --expect: a greeting may come before any send.
    cursor = 0
    for kind, text in steps:
        if kind == "send":
            session.send_line(text)
            continue
        try:
            found = session.wait_for(lambda line: text in line, cursor, deadline, f"containing {text!r}")
        except Closed:
            raise Failed(f"the server closed before a line containing {text!r} came", EXIT_CONNECTION)
        # The next --expect looks only after this match, so two --expect of one text need two lines.
        cursor = found + 1


def run_interactive(session):
    """Copies stdin lines to the server and server lines to stdout until either side ends.

    Returns True at the end of input, False when the server closed the connection.
    """
    stdin = sys.stdin.fileno()
    typed = LineBuffer()
    readers = [session.sock, stdin]
    while not session.closed:
        readable, _, _ = select.select(readers, [], [])
        if session.sock in readable:
            session.read_available()
        if stdin in readable:
            data = os.read(stdin, RECV_BYTES)
            if not data:
                if typed.pending:  # a last line without its newline still counts
                    session.send_line(typed.pending.decode("utf-8", errors="replace"))
                return True  # end of input: the caller says /quit
            for line in typed.feed(data):
                session.send_line(line)
    return False


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Chat with socklab's chat service: interactive, piped, or scripted for a test.",
        epilog="Steps (--send, --expect) run in the order given. Exit: 0 ok, 1 expect failed, "
        "2 usage, 3 connection or nick failed.",
    )
    parser.add_argument("--host", default="chat", help="server host (default: chat)")
    parser.add_argument("--port", type=int, default=6667, help="server port (default: 6667)")
    parser.add_argument("--nick", required=True, help="the nick to take")
    parser.add_argument("--room", help="room to join once the nick is accepted (default: the server's, #lab)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to connect and run the script")
    parser.add_argument("--send", dest="steps", action=StepAction, metavar="TEXT", help="send TEXT as a line")
    parser.add_argument(
        "--expect", dest="steps", action=StepAction, metavar="TEXT", help="wait for a line containing TEXT"
    )
    args = parser.parse_args(argv)
    args.steps = args.steps or []
    return args


class StepAction(argparse.Action):
    """Collects --send and --expect into one list, in command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):
        steps = getattr(namespace, self.dest) or []
        steps.append((option_string.lstrip("-"), values))
        setattr(namespace, self.dest, steps)


def main(argv):
    args = parse_args(argv)
    deadline = time.monotonic() + args.timeout
    try:
        sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
    except OSError as error:
        print(f"chat_client: cannot connect to {args.host}:{args.port}: {error}", file=sys.stderr)
        return EXIT_CONNECTION
    sock.settimeout(None)  # from here on select() decides when to read, so recv never blocks
    session = ChatSession(sock, args.nick)
    try:
        session.register(deadline)
        if args.room:
            session.join(args.room, deadline)
        if args.steps:
            run_script(session, args.steps, deadline)
        elif not run_interactive(session) and "Closing link: Quit" not in session.last_error():
            raise Closed()
        session.quit(time.monotonic() + args.timeout)
        return EXIT_OK
    except Failed as failure:
        print(f"chat_client: {failure.args[0]}", file=sys.stderr)
        return failure.args[1]
    except Closed:
        print(f"chat_client: the server closed the connection: {session.last_error()}", file=sys.stderr)
        return EXIT_CONNECTION
    except OSError as error:
        print(f"chat_client: connection to {args.host}:{args.port} failed: {error}", file=sys.stderr)
        return EXIT_CONNECTION
    finally:
        sock.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

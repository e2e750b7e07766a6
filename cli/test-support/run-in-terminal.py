"""Runs a command on a pseudo-terminal of its own, relaying this process's stdin to it and its
output to stdout: a test drives a CLI as a person at a terminal would (Ctrl-C is the byte 0x03).
Exits with the command's exit code, or 128 + the signal that ended it."""
import os
import pty
import select
import sys

pid, terminal = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

reading_stdin = True
while True:
    ready, _, _ = select.select([terminal] + ([0] if reading_stdin else []), [], [])
    if 0 in ready:
        typed = os.read(0, 65536)
        # The end of stdin is not the end of the terminal: the test types Ctrl-D (0x04) for that.
        if typed:
            os.write(terminal, typed)
        else:
            reading_stdin = False
    if terminal in ready:
        try:
            shown = os.read(terminal, 65536)
        except OSError:
            # EIO: every process holding the terminal has closed it.
            break
        if not shown:
            break
        os.write(1, shown)

_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)

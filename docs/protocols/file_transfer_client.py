#!/usr/bin/env python3
"""A client for socklab's file-transfer service, in Python 3 with the standard library only.

    python3 file_transfer_client.py --host HOST --port 9000 put [--hash-after] FILE [NAME]
    python3 file_transfer_client.py --host HOST --port 9000 get NAME [FILE]
    python3 file_transfer_client.py --host HOST --port 9000 list
    python3 file_transfer_client.py --host HOST --port 9000 stat NAME
    python3 file_transfer_client.py --host HOST --port 9000 delete NAME
    python3 file_transfer_client.py --host HOST --port 9000 abandon NAME

Every message is a 4-byte big-endian length, then that many bytes of UTF-8 JSON (the header).
Raw file bytes (a body) follow only where the protocol says so. See file-transfer.md.
put reads the file twice by default (hash, then send: the hash goes in the header, the seeds' way);
--hash-after reads it once, hashing while it sends, and sends the hash in a trailer frame after it.
Exit status: 0 done, 1 the server refused (its code is printed), 2 bad usage, 3 network error.
"""

import argparse
import hashlib
import json
import os
import socket
import struct
import sys

MAX_HEADER_BYTES = 65535
CHUNK_BYTES = 64 * 1024


class ServerError(Exception):
    """An error reply: `code` is stable (NOT_FOUND, HASH_MISMATCH, ...), the message is for people."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def recv_exactly(sock, n):
    """recv(n) returns at most n bytes, often fewer: loop until all n have arrived."""
    parts = []
    remaining = n
    while remaining > 0:
        part = sock.recv(min(remaining, CHUNK_BYTES))
        if not part:
            raise ConnectionError(f"connection closed with {remaining} of {n} bytes still to come")
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def send_header(sock, header):
    data = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # "!I" is network byte order (big-endian), unsigned 32 bits. The seeds' "i" is the host's order.
    # sendall, not send: send may take only part of the bytes and return how many it took.
    sock.sendall(struct.pack("!I", len(data)) + data)


def recv_header(sock):
    (length,) = struct.unpack("!I", recv_exactly(sock, 4))
    if length > MAX_HEADER_BYTES:
        raise ConnectionError(f"a {length}-byte header announced; the limit is {MAX_HEADER_BYTES}")
    return json.loads(recv_exactly(sock, length).decode("utf-8"))


def sha256_of_file(path, limit=None):
    """SHA-256 of a file (or of its first `limit` bytes), read in chunks: memory stays small."""
    digest = hashlib.sha256()
    left = os.path.getsize(path) if limit is None else limit
    with open(path, "rb") as f:
        while left > 0:
            chunk = f.read(min(CHUNK_BYTES, left))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
    return digest


def local_partial_path(path, sha256):
    """Where an unfinished download waits: next to its target, named by the file's hash."""
    folder, base = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{base}.{sha256[:16]}.partial")


class FileTransferClient:
    def __init__(self, host, port, timeout=30.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.next_id = 1

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_request(self, header):
        header["id"] = self.next_id
        self.next_id += 1
        send_header(self.sock, header)
        return header["id"]

    def read_reply(self, request_id):
        reply = recv_header(self.sock)
        if not reply.get("ok"):
            raise ServerError(reply.get("code"), reply.get("message"))
        if reply.get("id") != request_id:
            raise ConnectionError(f"reply for request {reply.get('id')!r}, expected {request_id!r}")
        return reply

    def request(self, header):
        return self.read_reply(self.send_request(header))

    def put(self, path, name=None, progress=None, hash_after=False):
        """Uploads a file; if the server holds part of it from an interrupted put, sends only the rest."""
        name = name or os.path.basename(path)
        try:
            return self._put_once(path, name, progress, hash_after)
        except ServerError as error:
            # A hash-after partial is keyed by name and size only: it may have held another file's
            # bytes. The server has deleted it; starting over from byte 0 sends this file whole.
            if error.code != "HASH_MISMATCH" or not getattr(error, "resumed", False):
                raise
            return self._put_once(path, name, progress, hash_after)

    def _put_once(self, path, name, progress, hash_after):
        size = os.path.getsize(path)
        if hash_after:
            request_id = self.send_request({"op": "put", "name": name, "size": size, "trailer": True})
        else:
            sha256 = sha256_of_file(path).hexdigest()
            request_id = self.send_request({"op": "put", "name": name, "size": size, "sha256": sha256})
        offset = self.read_reply(request_id)["offset"]  # wait for "ready": it says where to start
        # Hash-after: the bytes the server holds are hashed here, not sent; the rest as they are sent.
        digest = sha256_of_file(path, offset) if hash_after else None
        with open(path, "rb") as f:
            f.seek(offset)
            sent = offset
            while sent < size:
                chunk = f.read(min(CHUNK_BYTES, size - sent))
                if not chunk:
                    raise OSError(f"{path} shrank while it was being sent")
                self.sock.sendall(chunk)
                if digest:
                    digest.update(chunk)
                sent += len(chunk)
                if progress:
                    progress(sent, size)
        if digest:
            send_header(self.sock, {"sha256": digest.hexdigest()})  # the trailer frame
        try:
            stored = self.read_reply(request_id)  # "stored" only once size and SHA-256 check out
        except ServerError as error:
            error.resumed = offset > 0
            raise
        return stored, offset

    def get(self, name, path=None, progress=None):
        """Downloads a file to `path`, which appears only once whole and verified; resumes a partial."""
        path = path or name
        info = self.request({"op": "stat", "name": name})
        size, sha256 = info["size"], info["sha256"]
        partial = local_partial_path(path, sha256)
        offset = os.path.getsize(partial) if os.path.exists(partial) else 0
        if offset > size:
            offset = 0
            os.remove(partial)
        digest = sha256_of_file(partial, offset) if offset > 0 else hashlib.sha256()
        # Naming the hash makes the server refuse (FILE_CHANGED) if the file was replaced meanwhile.
        reply = self.request({"op": "get", "name": name, "offset": offset, "sha256": sha256})
        remaining = reply["size"] - reply["offset"]
        with open(partial, "ab") as f:
            while remaining > 0:
                chunk = self.sock.recv(min(CHUNK_BYTES, remaining))
                if not chunk:
                    raise ConnectionError("connection closed inside the body; run get again to resume")
                f.write(chunk)
                digest.update(chunk)
                remaining -= len(chunk)
                if progress:
                    progress(size - remaining, size)
            f.flush()
            os.fsync(f.fileno())
        if digest.hexdigest() != reply["sha256"]:
            os.remove(partial)
            raise ServerError("HASH_MISMATCH", f"received bytes do not have sha256 {reply['sha256']}")
        os.replace(partial, path)  # atomic: the target is never seen half-written
        return reply, offset

    def list(self):
        files, after = [], None
        while True:
            header = {"op": "list"} if after is None else {"op": "list", "after": after}
            reply = self.request(header)
            files.extend(reply["files"])
            if not reply["more"] or not reply["files"]:
                return files
            after = reply["files"][-1]["name"]  # the next page starts after the last name

    def stat(self, name):
        return self.request({"op": "stat", "name": name})

    def delete(self, name):
        return self.request({"op": "delete", "name": name})

    def abandon(self, name):
        """Deletes the partial uploads of `name` the server holds, so that the next put starts at 0."""
        return self.request({"op": "abandon", "name": name})


def show_progress(done, total):
    if sys.stderr.isatty():
        percent = 100.0 * done / total if total else 100.0
        end = "\n" if done == total else ""
        print(f"\r{percent:5.1f}%  {done}/{total} bytes", end=end, file=sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description="socklab file-transfer client")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a socket call may wait")
    commands = parser.add_subparsers(dest="command", required=True)
    put = commands.add_parser("put", help="upload FILE, stored as NAME (default: its base name)")
    put.add_argument("--hash-after", action="store_true", help="read FILE once: hash it while sending")
    put.add_argument("file")
    put.add_argument("name", nargs="?")
    get = commands.add_parser("get", help="download NAME to FILE (default: NAME)")
    get.add_argument("name")
    get.add_argument("file", nargs="?")
    commands.add_parser("list", help="list stored files")
    stat = commands.add_parser("stat", help="show a stored file's size and SHA-256")
    stat.add_argument("name")
    delete = commands.add_parser("delete", help="delete a stored file")
    delete.add_argument("name")
    abandon = commands.add_parser("abandon", help="delete the server's partial uploads of NAME")
    abandon.add_argument("name")
    args = parser.parse_args(argv)

    try:
        with FileTransferClient(args.host, args.port, args.timeout) as client:
            if args.command == "put":
                stored, offset = client.put(args.file, args.name, show_progress, args.hash_after)
                print(f"stored {stored['name']} ({stored['size']} bytes, sha256 {stored['sha256']}), "
                      f"resumed from byte {offset}")
            elif args.command == "get":
                reply, offset = client.get(args.name, args.file, show_progress)
                print(f"saved {reply['name']} to {args.file or args.name} ({reply['size']} bytes, "
                      f"sha256 {reply['sha256']}), resumed from byte {offset}")
            elif args.command == "list":
                for entry in client.list():
                    print(f"{entry['size']:>12}  {entry['name']}")
            elif args.command == "stat":
                info = client.stat(args.name)
                print(f"{info['name']}  {info['size']} bytes  sha256 {info['sha256']}")
            elif args.command == "delete":
                client.delete(args.name)
                print(f"deleted {args.name}")
            elif args.command == "abandon":
                reply = client.abandon(args.name)
                print(f"abandoned {reply['abandonedPartials']} partial uploads of {args.name} "
                      f"({reply['abandonedBytes']} bytes)")
    except ServerError as error:
        print(f"error {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"network error: {error}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())

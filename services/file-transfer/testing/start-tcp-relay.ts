import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";

export interface TcpRelayOptions {
  targetPort: number;
  targetHost?: string;
  /** Per connection, forward at most this many bytes to the target, then hold the rest: an upload that stalls. */
  maxUpBytes?: number;
  /** Per connection, forward at most this many bytes back to the client, then hold the rest: a download that stalls. */
  maxDownBytes?: number;
}

/** A TCP relay on 127.0.0.1 between a client and a server, that a test can stall or cut like a network. */
export interface TcpRelay {
  readonly port: number;
  /** Bytes forwarded so far, over all connections: client to target, and target to client. */
  readonly upBytes: number;
  readonly downBytes: number;
  /** Resets every relayed connection at both ends (an RST each way), as a failing network would. */
  resetAll(): void;
  close(): Promise<void>;
}

/** Starts a relay to `targetHost:targetPort` (127.0.0.1 by default) on a free port. */
export async function startTcpRelay(options: TcpRelayOptions): Promise<TcpRelay> {
  const pairs = new Set<[Socket, Socket]>();
  let upBytes = 0;
  let downBytes = 0;
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const target = connect({
      port: options.targetPort,
      host: options.targetHost ?? "127.0.0.1",
      allowHalfOpen: true,
      noDelay: true,
    });
    const pair: [Socket, Socket] = [client, target];
    pairs.add(pair);
    forward(client, target, options.maxUpBytes, (n) => (upBytes += n));
    forward(target, client, options.maxDownBytes, (n) => (downBytes += n));
    for (const socket of pair) {
      socket.on("error", () => undefined);
      socket.on("close", () => {
        pairs.delete(pair);
        // One end reset or gone: so is the other, the way it went.
        const other = socket === client ? target : client;
        if (!other.destroyed) {
          if (socket.errored) other.resetAndDestroy();
          else other.destroySoon();
        }
      });
    }
  });
  server.listen({ port: 0, host: "127.0.0.1" });
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    get upBytes() {
      return upBytes;
    },
    get downBytes() {
      return downBytes;
    },
    resetAll() {
      for (const [client, target] of pairs) {
        client.resetAndDestroy();
        target.resetAndDestroy();
      }
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      await closed;
    },
  };
}

/** Copies `from` to `to` with backpressure, and for good stops after `maxBytes` (per connection). */
function forward(
  from: Socket,
  to: Socket,
  maxBytes: number | undefined,
  count: (bytes: number) => void,
): void {
  let forwarded = 0;
  let stalled = false;
  from.on("data", (chunk: Buffer) => {
    const room = maxBytes === undefined ? chunk.length : Math.max(0, maxBytes - forwarded);
    const part = chunk.subarray(0, room);
    forwarded += part.length;
    count(part.length);
    // Stalled: what the sender sends next piles up in the kernel's buffers, as behind a dead link.
    if (part.length < chunk.length) {
      stalled = true;
      from.pause();
      to.write(part);
    } else if (!to.write(part)) {
      from.pause();
      to.once("drain", () => {
        if (!stalled) from.resume();
      });
    }
  });
  from.on("end", () => {
    if (!stalled) to.end();
  });
}

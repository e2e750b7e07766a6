import dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import { toErrorCode } from "../../protocol/error-codes.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

/** The largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header). */
export const MAX_UDP_PAYLOAD_BYTES = 65_507;

export interface UdpEchoRequest {
  host: string;
  port: number;
  payload: Uint8Array;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** Sends one datagram and returns the first datagram that comes back from that peer. */
export async function udpEcho(request: UdpEchoRequest): Promise<Buffer> {
  if (request.payload.byteLength > MAX_UDP_PAYLOAD_BYTES) {
    throw new SocklabError(
      "ERR_DATAGRAM_TOO_LARGE",
      `a UDP datagram holds at most ${MAX_UDP_PAYLOAD_BYTES} bytes over IPv4; got ${request.payload.byteLength}`,
    );
  }
  const { address, family } = await lookup(request.host);
  const socket = dgram.createSocket(family === 6 ? "udp6" : "udp4");
  try {
    return await exchange(socket, address, request);
  } finally {
    socket.close();
  }
}

function exchange(socket: dgram.Socket, address: string, request: UdpEchoRequest): Promise<Buffer> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `${request.host}:${request.port}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new SocklabError("ERR_ECHO_TIMEOUT", `no datagram came back from ${where} within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    const fail = (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new SocklabError(
          toErrorCode(error.code, "ERR_ECHO_FAILED"),
          `udp echo to ${where} failed: ${error.message}`,
          {
            cause: error,
          },
        ),
      );
    };
    socket.on("error", fail);
    socket.on("message", (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    // A connected socket only receives from that peer, and learns of ICMP port unreachable (ECONNREFUSED).
    socket.connect(request.port, address, () =>
      socket.send(request.payload, (error) => error && fail(error)),
    );
  });
}

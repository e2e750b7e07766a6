import net from "node:net";
import { toErrorCode } from "../../protocol/error-codes.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

export interface TcpEchoRequest {
  host: string;
  port: number;
  data: Uint8Array;
  /** Deadline for the whole exchange: connect, send, and read back to the server's FIN. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Sends `data`, half-closes, and returns every byte the server sent before its FIN. The half-close
 * is what tells an echo server the stream is complete, so the reply is whole, not a first read.
 */
export function tcpEcho(request: TcpEchoRequest): Promise<Buffer> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `${request.host}:${request.port}`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: request.host, port: request.port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new SocklabError("ERR_ECHO_TIMEOUT", `tcp echo to ${where} did not finish within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    socket.on("connect", () => socket.end(request.data));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new SocklabError(
          toErrorCode(error.code, "ERR_ECHO_FAILED"),
          `tcp echo to ${where} failed: ${error.message}`,
          {
            cause: error,
          },
        ),
      );
    });
  });
}

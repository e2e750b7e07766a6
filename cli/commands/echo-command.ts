import { randomBytes } from "node:crypto";
import { Command, Option } from "commander";
import { tcpEcho } from "../../clients/echo/tcp-echo-client.ts";
import { udpEcho } from "../../clients/echo/udp-echo-client.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { EXIT, exitCodeFor } from "../exit-codes.ts";
import { nonNegativeInt, positiveInt } from "../parse-int-option.ts";
import { runInWorkbench, insideWorkbench } from "../lab/run-in-workbench.ts";

interface EchoOptions {
  udp?: boolean;
  count: number;
  host?: string;
  port: number;
  size?: number;
  timeout: number;
  json?: boolean;
}

interface EchoRound {
  round: number;
  sentBytes: number;
  receivedBytes: number;
  match: boolean;
  roundTripMs: number;
}

/** `socklab echo TEXT`: one or more round trips to tcp-echo or udp-echo, checked byte for byte. */
export function registerEchoCommand(program: Command): void {
  program
    .command("echo")
    .description("send TEXT (or --size random bytes) to the echo service and check what comes back")
    .argument("[text]", "what to send; a newline is not added")
    .option("--udp", "one datagram to udp-echo instead of a TCP stream to tcp-echo")
    .addOption(new Option("-n, --count <n>", "round trips").default(1).argParser(positiveInt))
    .option("--host <host>", "the service host (default tcp-echo or udp-echo)")
    .addOption(new Option("--port <port>", "the service port").default(7).argParser(positiveInt))
    .addOption(
      new Option("--size <bytes>", "send this many random bytes instead of TEXT").argParser(nonNegativeInt),
    )
    .addOption(new Option("--timeout <ms>", "deadline per round trip").default(5_000).argParser(positiveInt))
    .option("--json", "print one JSON object per round trip")
    .addHelpText(
      "after",
      `
Runs inside the workbench container (through docker exec when started on the host).
Examples:
  socklab echo hello
  socklab echo hello --udp --count 3
  socklab echo --udp --size 65507 --json
Exit codes: 0 every reply matched, 1 a reply differed, 2 bad arguments, 3 network error, 5 lab not running.`,
    )
    .action(async (text: string | undefined, options: EchoOptions) => {
      if (!insideWorkbench()) {
        process.exitCode = await runInWorkbench(process.argv.slice(2));
        return;
      }
      process.exitCode = await runEcho(text, options);
    });
}

async function runEcho(text: string | undefined, options: EchoOptions): Promise<number> {
  const payload = options.size === undefined ? Buffer.from(text ?? "", "utf8") : randomBytes(options.size);
  const host = options.host ?? (options.udp ? "udp-echo" : "tcp-echo");
  let allMatched = true;
  for (let round = 1; round <= options.count; round += 1) {
    const startedMs = performance.now();
    const request = { host, port: options.port, timeoutMs: options.timeout };
    let reply: Buffer;
    try {
      reply = options.udp
        ? await udpEcho({ ...request, payload })
        : await tcpEcho({ ...request, data: payload });
    } catch (error) {
      return reportFailure(error);
    }
    const result: EchoRound = {
      round,
      sentBytes: payload.length,
      receivedBytes: reply.length,
      match: reply.equals(payload),
      roundTripMs: Number((performance.now() - startedMs).toFixed(3)),
    };
    allMatched &&= result.match;
    process.stdout.write(
      options.json ? `${JSON.stringify(result)}\n` : describeRound(result, reply, options),
    );
  }
  return allMatched ? EXIT.ok : EXIT.mismatch;
}

function describeRound(result: EchoRound, reply: Buffer, options: EchoOptions): string {
  if (options.size === undefined && options.count === 1 && result.match) return `${reply.toString("utf8")}\n`;
  const verdict = result.match ? "match" : "MISMATCH";
  return `#${result.round} sent ${result.sentBytes} B, received ${result.receivedBytes} B, ${verdict}, ${result.roundTripMs} ms\n`;
}

function reportFailure(error: unknown): number {
  const code = error instanceof SocklabError ? error.code : "ERR_ECHO_FAILED";
  process.stderr.write(`socklab echo: ${code}: ${(error as Error).message}\n`);
  return exitCodeFor(code);
}

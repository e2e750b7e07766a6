import path from "node:path";
import { Command, Option } from "commander";
import Table from "cli-table3";
import {
  connectFileTransfer,
  type FileTransferClient,
} from "../../clients/file-transfer/file-transfer-client.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { EXIT, exitCodeFor } from "../exit-codes.ts";
import { checkFileToWrite } from "../local-files/check-file-to-write.ts";
import { checkUploadSource } from "../local-files/check-upload-source.ts";
import { isLocalFileError, localFileError } from "../local-files/local-file-error.ts";
import { HOST_DIR_IN_CONTAINER, runInLabContainer } from "../lab/run-in-lab-container.ts";
import { insideWorkbench, runInWorkbench } from "../lab/run-in-workbench.ts";
import { createTransferProgress } from "../output/transfer-progress.ts";
import { positiveInt } from "../parse-int-option.ts";

export interface ServiceOptions {
  host: string;
  port: number;
  json?: boolean;
}

const EXIT_CODES_HELP = `Exit codes: 0 ok, 1 hash or size mismatch, 2 bad arguments or local file, 3 network,
  5 lab not running, 6 the service refused (its code is printed, e.g. NOT_FOUND, NAME_DOT_DOT), 130 interrupted.`;

/** put, get, ls and rm: the file-transfer service, from the host or the workbench. */
export function registerFileCommands(program: Command): void {
  const withService = (command: Command) =>
    command
      .option("--host <host>", "the file-transfer service", "file-transfer")
      .addOption(new Option("--port <port>", "its port").default(9000).argParser(positiveInt))
      .option("--json", "print JSON for scripts");

  withService(program.command("put"))
    .description("upload FILE as NAME: streamed, SHA-256 checked, resumed if interrupted")
    .argument("<file>", "the local file")
    .argument("[name]", "the name in the store (default: the file's name)")
    .addHelpText(
      "after",
      `\nExamples:\n  socklab put notes.txt\n  socklab put ./build/app.tar.gz app.tar.gz\n${EXIT_CODES_HELP}`,
    )
    .action(async (file: string, name: string | undefined, options: ServiceOptions) => {
      process.exitCode = await afterCheck(
        () => checkUploadSource(file),
        () =>
          insideWorkbench()
            ? withClient(options, (client) => put(client, file, name ?? path.basename(file), options))
            : viaHostDir(
                ["put", ...hostFileArgs(file), ...(name ? [name] : [path.basename(file)])],
                file,
                options,
              ),
      );
    });

  withService(program.command("get"))
    .description("download NAME to FILE: it appears only whole, after its SHA-256 is checked")
    .argument("<name>", "the name in the store")
    .argument("[file]", "where to write it (default: NAME in the current directory)")
    .addHelpText(
      "after",
      `\nExamples:\n  socklab get notes.txt\n  socklab get app.tar.gz /tmp/app.tar.gz\n${EXIT_CODES_HELP}`,
    )
    .action(async (name: string, file: string | undefined, options: ServiceOptions) => {
      const target = file ?? name;
      process.exitCode = await afterCheck(
        () => checkFileToWrite(target),
        () =>
          insideWorkbench()
            ? withClient(options, (client) => get(client, name, target, options))
            : viaHostDir(["get", name, ...hostFileArgs(target)], target, options),
      );
    });

  withService(program.command("ls"))
    .description("list the stored files")
    .addHelpText("after", `\nExamples:\n  socklab ls\n  socklab ls --json\n${EXIT_CODES_HELP}`)
    .action(async (options: ServiceOptions) => {
      process.exitCode = insideWorkbench()
        ? await withClient(options, (client) => list(client, options))
        : await runInWorkbench(process.argv.slice(2));
    });

  withService(program.command("rm"))
    .description("delete a stored file")
    .argument("<name>", "the name in the store")
    .addHelpText("after", `\nExample:\n  socklab rm notes.txt\n${EXIT_CODES_HELP}`)
    .action(async (name: string, options: ServiceOptions) => {
      process.exitCode = insideWorkbench()
        ? await withClient(options, async (client) => {
            await client.delete(name);
            print(options, { deleted: name }, `deleted ${name}\n`);
          })
        : await runInWorkbench(process.argv.slice(2));
    });
}

// On the host, the file's directory is mounted into a one-off container on the lab network.
function hostFileArgs(file: string): string[] {
  return [`${HOST_DIR_IN_CONTAINER}/${path.basename(file)}`];
}

function viaHostDir(args: string[], file: string, options: ServiceOptions): Promise<number> {
  return runInLabContainer([...args, ...serviceOptionArgs(options)], path.dirname(path.resolve(file)));
}

/**
 * The service options as arguments for the socklab run in the lab, rebuilt from their parsed values:
 * `--port 9001`, `--port=9001` and the defaults all come out the same.
 */
export function serviceOptionArgs(options: ServiceOptions): string[] {
  return ["--host", options.host, "--port", String(options.port), ...(options.json ? ["--json"] : [])];
}

async function put(
  client: FileTransferClient,
  file: string,
  name: string,
  options: ServiceOptions,
): Promise<void> {
  const progress = options.json ? undefined : createTransferProgress(`put ${name}`);
  // Stopped whatever happens: a bar left running keeps the process alive and the cursor hidden.
  const result = await client
    .put(name, file, { ...signalOption(), onProgress: (d, t) => progress?.update(d, t) })
    .finally(() => progress?.stop());
  const resumed = result.resumedFromBytes > 0 ? `, resumed from byte ${result.resumedFromBytes}` : "";
  print(options, result, `stored ${result.name} (${result.size} bytes, sha256 ${result.sha256}${resumed})\n`);
}

async function get(
  client: FileTransferClient,
  name: string,
  file: string,
  options: ServiceOptions,
): Promise<void> {
  const progress = options.json ? undefined : createTransferProgress(`get ${name}`);
  const result = await client
    .get(name, file, { ...signalOption(), onProgress: (d, t) => progress?.update(d, t) })
    .finally(() => progress?.stop());
  print(options, result, `got ${name} (${result.size} bytes, sha256 ${result.sha256} checked)\n`);
}

async function list(client: FileTransferClient, options: ServiceOptions): Promise<void> {
  const files = await client.list();
  const table = new Table({ head: ["NAME", "BYTES", "MODIFIED"], style: { head: [], border: [] } });
  for (const file of files)
    table.push([file.name, String(file.size), new Date(file.modifiedMs).toISOString()]);
  print(options, files, files.length === 0 ? "(no files)\n" : `${table.toString()}\n`);
}

function print(options: ServiceOptions, data: unknown, text: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(data)}\n` : text);
}

// Ctrl-C aborts the transfer; what reached the far end stays there, and the next put or get resumes.
function signalOption(): { signal: AbortSignal } {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  return { signal: controller.signal };
}

async function withClient(
  options: ServiceOptions,
  body: (client: FileTransferClient) => Promise<void>,
): Promise<number> {
  try {
    await using client = await connectFileTransfer({ host: options.host, port: options.port });
    await body(client);
    return EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

// A local path the command cannot use is reported before anything connects or any container starts.
async function afterCheck(check: () => Promise<void>, run: () => Promise<number>): Promise<number> {
  try {
    await check();
  } catch (error) {
    return report(error);
  }
  return run();
}

// One line: the stable code once, then what happened.
function report(error: unknown): number {
  const clear = isLocalFileError(error)
    ? localFileError(error, `cannot ${error.syscall ?? "use"} ${error.path}`)
    : error;
  const code =
    clear instanceof SocklabError ? clear.code : ((clear as NodeJS.ErrnoException).code ?? "ERR_FAILED");
  process.stderr.write(`socklab: ${code}: ${(clear as Error).message}\n`);
  return exitCodeFor(code);
}

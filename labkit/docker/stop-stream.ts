/**
 * Stops following a stream of the engine (attach, logs). Over an ssh:// engine the stream runs in
 * an ssh2 channel to `docker system dial-stdio`, which closing the channel does not end: it waits
 * for the engine to end the stream, and holds this process's ssh connection (and so the process)
 * open until then. The channel's own `signal` (ssh2's public API) ends it on the remote host.
 */
export function stopStream(stream: NodeJS.ReadableStream): void {
  const channel = (stream as { socket?: { signal?: unknown } }).socket;
  if (typeof channel?.signal === "function") Reflect.apply(channel.signal, channel, ["KILL"]);
  (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
}

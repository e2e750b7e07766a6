/**
 * Stops following a stream of the engine (attach, logs). Over an ssh:// engine the stream is an
 * ssh2 channel to `docker system dial-stdio`, which closing the channel does not end (it waits for
 * the engine to end the stream, and OpenSSH ignores a channel's signal request): its ssh connection,
 * one per request with docker-modem, would hold this process open until then, so it is ended too.
 * ssh2 keeps that connection on the channel as `_client`, its only handle on it.
 */
export function stopStream(stream: NodeJS.ReadableStream): void {
  const channel = (stream as { socket?: { _client?: { end?: unknown } } }).socket;
  const connection = channel?._client;
  (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  if (typeof connection?.end === "function") Reflect.apply(connection.end, connection, []);
}

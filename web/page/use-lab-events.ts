import { useEffect, useState } from "preact/hooks";
import type { PageEventName, PageEvents } from "../server/page-events.ts";

export type LabState = { [N in PageEventName]?: PageEvents[N] } & { connected: boolean };

const EVENT_NAMES: readonly PageEventName[] = [
  "hello",
  "lab",
  "sockets",
  "ladder",
  "faults",
  "tour",
  "problem",
];

/**
 * The lab as the server pushes it on one event stream (Server-Sent Events): the page never polls.
 * Closing or reloading the page closes the stream, which is what ends the faults it applied.
 */
export function useLabEvents(): LabState {
  const [state, setState] = useState<LabState>({ connected: false });
  useEffect(() => {
    const source = new EventSource("./events");
    source.onopen = () => setState((s) => ({ ...s, connected: true }));
    source.onerror = () => setState((s) => ({ ...s, connected: false }));
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (event: MessageEvent<string>) => {
        const data = JSON.parse(event.data) as PageEvents[typeof name];
        if (name === "problem" && (data as PageEvents["problem"]).code === "ERR_WEB_TOO_MANY_PAGES")
          source.close();
        setState((s) => ({ ...s, [name]: data }));
      });
    }
    return () => source.close();
  }, []);
  return state;
}

/** POSTs JSON to the server, which checks its Origin; resolves with the reply or an error's text. */
export async function postJson(path: string, body: unknown): Promise<{ ok: boolean; text: string }> {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const reply = (await response.json()) as { error?: { code: string; message: string } } & Record<
    string,
    unknown
  >;
  return reply.error
    ? { ok: false, text: `${reply.error.code}: ${reply.error.message}` }
    : { ok: true, text: JSON.stringify(reply) };
}

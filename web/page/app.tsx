import { Controls } from "./components/controls.tsx";
import { Ladder } from "./components/ladder.tsx";
import { SocketTables } from "./components/socket-tables.tsx";
import { Topology } from "./components/topology.tsx";
import { useLabEvents } from "./use-lab-events.ts";

export function App() {
  const state = useLabEvents();
  const problem = state.problem?.code ? state.problem : undefined;
  return (
    <main>
      <header>
        <h1>socklab</h1>
        <span class="project">lab {state.hello?.project ?? "…"}</span>
        <span class={state.connected ? "live on" : "live off"} data-testid="live">
          {state.connected ? "live" : "not connected"}
        </span>
      </header>
      {problem && (
        <p class="problem" role="alert" data-testid="problem">
          <b>{problem.code}</b> {problem.message}
        </p>
      )}
      <section class="topology">
        <h2>Containers and networks</h2>
        <Topology lab={state.lab} faults={state.faults} />
      </section>
      <div class="columns">
        <section class="sockets">
          <h2>Sockets</h2>
          <SocketTables sockets={state.sockets} />
        </section>
        <section class="ladder">
          <h2>Connections, as they happen</h2>
          <Ladder ladder={state.ladder} />
        </section>
      </div>
      {state.hello && (
        <Controls hello={state.hello} lab={state.lab} faults={state.faults} tour={state.tour} />
      )}
    </main>
  );
}

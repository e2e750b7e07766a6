// Renders the TCP sequence diagrams of docs/tcp-states.md as SVG:
//   node docs/diagrams/render-diagrams.ts
import { writeFileSync } from "node:fs";
import path from "node:path";

interface Step {
  /** Who sends: the arrow goes from this side to the other. */
  from: "client" | "server";
  segment: string;
  /** States entered after this step, written beside each lifeline. */
  clientState?: string;
  serverState?: string;
  /** What the application did to cause it, e.g. `end()`. */
  note?: string;
}

interface Diagram {
  file: string;
  title: string;
  clientStart: string;
  serverStart: string;
  steps: Step[];
}

const WIDTH_PX = 640;
const CLIENT_X = 200;
const SERVER_X = 440;
const TOP_PX = 90;
const STEP_PX = 70;

const DIAGRAMS: Diagram[] = [
  {
    file: "handshake.svg",
    title: "The three-way handshake",
    clientStart: "CLOSED",
    serverStart: "LISTEN",
    steps: [
      {
        from: "client",
        segment: "SYN seq=x",
        clientState: "SYN_SENT",
        serverState: "SYN_RECV",
        note: "connect()",
      },
      { from: "server", segment: "SYN, ACK seq=y ack=x+1", clientState: "ESTABLISHED" },
      { from: "client", segment: "ACK ack=y+1", serverState: "ESTABLISHED", note: "accept() returns" },
    ],
  },
  {
    file: "close.svg",
    title: "The four-way close (the client closes first)",
    clientStart: "ESTABLISHED",
    serverStart: "ESTABLISHED",
    steps: [
      {
        from: "client",
        segment: "FIN seq=u",
        clientState: "FIN_WAIT1",
        serverState: "CLOSE_WAIT",
        note: "end()",
      },
      { from: "server", segment: "ACK ack=u+1", clientState: "FIN_WAIT2" },
      {
        from: "server",
        segment: "FIN seq=v",
        serverState: "LAST_ACK",
        clientState: "TIME_WAIT",
        note: "end()",
      },
      { from: "client", segment: "ACK ack=v+1", serverState: "CLOSED", clientState: "CLOSED after 60 s" },
    ],
  },
];

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function text(x: number, y: number, content: string, attributes = ""): string {
  return `<text x="${x}" y="${y}" ${attributes}>${escape(content)}</text>`;
}

function renderStep(step: Step, index: number): string {
  const y = TOP_PX + 40 + index * STEP_PX;
  const [x1, x2] = step.from === "client" ? [CLIENT_X, SERVER_X] : [SERVER_X, CLIENT_X];
  const parts = [
    `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y + 30}" class="arrow" marker-end="url(#head)"/>`,
    text((CLIENT_X + SERVER_X) / 2, y - 2, step.segment, 'text-anchor="middle" class="segment"'),
  ];
  if (step.note) {
    const noteX = step.from === "client" ? CLIENT_X - 12 : SERVER_X + 12;
    parts.push(
      text(noteX, y + 4, step.note, `text-anchor="${step.from === "client" ? "end" : "start"}" class="note"`),
    );
  }
  if (step.clientState)
    parts.push(text(CLIENT_X - 12, y + 34, step.clientState, 'text-anchor="end" class="state"'));
  if (step.serverState) parts.push(text(SERVER_X + 12, y + 34, step.serverState, 'class="state"'));
  return parts.join("\n  ");
}

function render(diagram: Diagram): string {
  const heightPx = TOP_PX + 80 + diagram.steps.length * STEP_PX;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH_PX}" height="${heightPx}" viewBox="0 0 ${WIDTH_PX} ${heightPx}" font-family="sans-serif" font-size="14">
  <style>
    .arrow { stroke: #333; stroke-width: 1.5; }
    .life { stroke: #999; stroke-dasharray: 4 4; }
    .segment { fill: #000; font-family: monospace; }
    .state { fill: #0b5394; font-weight: bold; }
    .note { fill: #777; font-style: italic; }
  </style>
  <defs><marker id="head" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#333"/></marker></defs>
  <rect width="100%" height="100%" fill="#fff"/>
  ${text(WIDTH_PX / 2, 28, diagram.title, 'text-anchor="middle" font-size="16" font-weight="bold"')}
  ${text(CLIENT_X, 62, "client (workbench)", 'text-anchor="middle" font-weight="bold"')}
  ${text(SERVER_X, 62, "server (tcp-echo)", 'text-anchor="middle" font-weight="bold"')}
  <line x1="${CLIENT_X}" y1="${TOP_PX - 14}" x2="${CLIENT_X}" y2="${heightPx - 20}" class="life"/>
  <line x1="${SERVER_X}" y1="${TOP_PX - 14}" x2="${SERVER_X}" y2="${heightPx - 20}" class="life"/>
  ${text(CLIENT_X - 12, TOP_PX + 10, diagram.clientStart, 'text-anchor="end" class="state"')}
  ${text(SERVER_X + 12, TOP_PX + 10, diagram.serverStart, 'class="state"')}
  ${diagram.steps.map(renderStep).join("\n  ")}
</svg>
`;
}

for (const diagram of DIAGRAMS) writeFileSync(path.join(import.meta.dirname, diagram.file), render(diagram));

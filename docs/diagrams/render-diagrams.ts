// Renders the diagrams of docs/tcp-states.md as SVG: the handshake and the close as sequence
// diagrams, and the whole state machine. Run it to write them; a test keeps them equal:
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
  /**
   * What each end's application did or saw at this step, written beside its own lifeline: the
   * client's `connect()` sends the SYN, while the server's `accept()` returns when the ACK arrives.
   */
  clientNote?: string;
  serverNote?: string;
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
        clientNote: "connect()",
      },
      { from: "server", segment: "SYN, ACK seq=y ack=x+1", clientState: "ESTABLISHED" },
      {
        from: "client",
        segment: "ACK ack=y+1",
        serverState: "ESTABLISHED",
        serverNote: "accept() returns",
      },
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
        clientNote: "end()",
      },
      { from: "server", segment: "ACK ack=u+1", clientState: "FIN_WAIT2" },
      {
        from: "server",
        segment: "FIN seq=v",
        serverState: "LAST_ACK",
        clientState: "TIME_WAIT",
        serverNote: "end()",
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
  // A sender's note at the arrow's tail; a receiver's lower, toward the head, above its new state.
  const noteY = (side: Step["from"]) => (step.from === side ? y + 4 : y + 18);
  if (step.clientNote)
    parts.push(text(CLIENT_X - 12, noteY("client"), step.clientNote, 'text-anchor="end" class="note"'));
  if (step.serverNote)
    parts.push(text(SERVER_X + 12, noteY("server"), step.serverNote, 'text-anchor="start" class="note"'));
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

/** Which end takes a transition: the one that connects or closes first, the other, or both at once. */
type Role = "active" | "passive" | "both";

interface StateBox {
  label: string;
  x: number;
  y: number;
}

interface Transition {
  role: Role;
  /** The arrow's points, from the edge of one box to the edge of the next. */
  points: [number, number][];
  /** `event / what is sent`, one string per line. */
  label: string[];
  labelAt: [number, number];
  anchor: "start" | "middle" | "end";
}

const MACHINE_FILE = "state-machine.svg";
const MACHINE_WIDTH_PX = 900;
const MACHINE_HEIGHT_PX = 930;
const BOX_WIDTH_PX = 130;
const BOX_HEIGHT_PX = 36;
const LABEL_LINE_PX = 14;

// RFC 9293's state machine (section 3.3.2) under the names netstat prints, laid out as the RFC
// draws it: opening at the top, the side that closes first on the left, the other on the right.
const STATE_BOXES: readonly StateBox[] = [
  { label: "CLOSED", x: 450, y: 70 },
  { label: "LISTEN", x: 450, y: 170 },
  { label: "SYN_RECV", x: 220, y: 280 },
  { label: "SYN_SENT", x: 680, y: 280 },
  { label: "ESTABLISHED", x: 450, y: 400 },
  { label: "FIN_WAIT1", x: 170, y: 530 },
  { label: "CLOSING", x: 450, y: 530 },
  { label: "CLOSE_WAIT", x: 730, y: 530 },
  { label: "FIN_WAIT2", x: 170, y: 660 },
  { label: "TIME_WAIT", x: 450, y: 660 },
  { label: "LAST_ACK", x: 730, y: 660 },
  { label: "CLOSED", x: 590, y: 790 },
];

const TRANSITIONS: readonly Transition[] = [
  {
    role: "passive",
    points: [
      [450, 88],
      [450, 152],
    ],
    label: ["listen()"],
    labelAt: [458, 124],
    anchor: "start",
  },
  {
    role: "active",
    points: [
      [500, 88],
      [650, 262],
    ],
    label: ["connect() / SYN"],
    labelAt: [590, 165],
    anchor: "start",
  },
  {
    role: "active",
    points: [
      [745, 280],
      [800, 280],
      [800, 66],
      [515, 66],
    ],
    label: ["no answer: tcp_syn_retries (ETIMEDOUT)", "or RST (ECONNREFUSED)"],
    labelAt: [792, 100],
    anchor: "end",
  },
  {
    role: "passive",
    points: [
      [395, 188],
      [260, 262],
    ],
    label: ["rcv SYN / SYN+ACK"],
    labelAt: [318, 212],
    anchor: "end",
  },
  {
    role: "both",
    points: [
      [615, 280],
      [285, 280],
    ],
    label: ["rcv SYN / SYN+ACK (simultaneous open)"],
    labelAt: [450, 272],
    anchor: "middle",
  },
  {
    role: "passive",
    points: [
      [260, 298],
      [400, 382],
    ],
    label: ["rcv ACK"],
    labelAt: [322, 352],
    anchor: "end",
  },
  {
    role: "active",
    points: [
      [640, 298],
      [500, 382],
    ],
    label: ["rcv SYN+ACK / ACK"],
    labelAt: [580, 352],
    anchor: "start",
  },
  {
    role: "active",
    points: [
      [395, 418],
      [210, 512],
    ],
    label: ["close() or", "shutdown() / FIN"],
    labelAt: [292, 450],
    anchor: "end",
  },
  {
    role: "passive",
    points: [
      [505, 418],
      [690, 512],
    ],
    label: ["rcv FIN / ACK"],
    labelAt: [610, 455],
    anchor: "start",
  },
  {
    role: "both",
    points: [
      [235, 530],
      [385, 530],
    ],
    label: ["rcv FIN / ACK"],
    labelAt: [310, 522],
    anchor: "middle",
  },
  {
    role: "active",
    points: [
      [170, 548],
      [170, 642],
    ],
    label: ["rcv ACK", "of FIN"],
    labelAt: [162, 590],
    anchor: "end",
  },
  {
    role: "active",
    points: [
      [215, 548],
      [395, 642],
    ],
    label: ["rcv FIN+ACK / ACK"],
    labelAt: [312, 580],
    anchor: "start",
  },
  {
    role: "both",
    points: [
      [450, 548],
      [450, 642],
    ],
    label: ["rcv ACK of FIN"],
    labelAt: [458, 600],
    anchor: "start",
  },
  {
    role: "active",
    points: [
      [235, 660],
      [385, 660],
    ],
    label: ["rcv FIN / ACK"],
    labelAt: [310, 652],
    anchor: "middle",
  },
  {
    role: "passive",
    points: [
      [730, 548],
      [730, 642],
    ],
    label: ["close() / FIN"],
    labelAt: [738, 600],
    anchor: "start",
  },
  {
    role: "both",
    points: [
      [470, 678],
      [560, 772],
    ],
    label: ["2 MSL: 60 s on Linux"],
    labelAt: [500, 740],
    anchor: "end",
  },
  {
    role: "passive",
    points: [
      [710, 678],
      [620, 772],
    ],
    label: ["rcv ACK of FIN"],
    labelAt: [682, 740],
    anchor: "start",
  },
  {
    role: "active",
    points: [
      [170, 678],
      [170, 790],
      [525, 790],
    ],
    label: ["orphan only: tcp_fin_timeout"],
    labelAt: [345, 782],
    anchor: "middle",
  },
];

const ROLE_LEGEND: Readonly<Record<Role, string>> = {
  active: "the end that connects (client), or that closes first",
  passive: "the end that listens (server), or that closes second",
  both: "either end, or both at once",
};

function renderTransition(transition: Transition): string {
  const points = transition.points.map(([x, y]) => `${x},${y}`).join(" ");
  const [x, y] = transition.labelAt;
  const lines = transition.label.map((line, index) =>
    text(x, y + index * LABEL_LINE_PX, line, `text-anchor="${transition.anchor}" class="event"`),
  );
  return [
    `<polyline points="${points}" class="edge ${transition.role}" marker-end="url(#head-${transition.role})"/>`,
    ...lines,
  ].join("\n  ");
}

function renderStateBox(box: StateBox): string {
  const left = box.x - BOX_WIDTH_PX / 2;
  const top = box.y - BOX_HEIGHT_PX / 2;
  return [
    `<rect x="${left}" y="${top}" width="${BOX_WIDTH_PX}" height="${BOX_HEIGHT_PX}" rx="8" class="box"/>`,
    text(box.x, box.y + 5, box.label, 'text-anchor="middle" class="state"'),
  ].join("\n  ");
}

function renderLegend(): string {
  const top = MACHINE_HEIGHT_PX - 100;
  const rows = (Object.keys(ROLE_LEGEND) as Role[]).map((role, index) => {
    const y = top + index * 22;
    return [
      `<line x1="40" y1="${y}" x2="100" y2="${y}" class="edge ${role}" marker-end="url(#head-${role})"/>`,
      text(112, y + 4, ROLE_LEGEND[role], 'class="event"'),
    ].join("\n  ");
  });
  const notes = [
    "rcv X / Y: on receiving X, send Y. A RST received (or a close with SO_LINGER 0) ends any state in CLOSED.",
    "CLOSED is no socket at all: /proc and ss list no row for it.",
  ].map((note, index) => text(40, top + 74 + index * 18, note, 'class="event"'));
  return [...rows, ...notes].join("\n  ");
}

function renderStateMachine(): string {
  const marker = (role: Role) =>
    `<marker id="head-${role}" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" class="head ${role}"/></marker>`;
  const roles = Object.keys(ROLE_LEGEND) as Role[];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${MACHINE_WIDTH_PX}" height="${MACHINE_HEIGHT_PX}" viewBox="0 0 ${MACHINE_WIDTH_PX} ${MACHINE_HEIGHT_PX}" font-family="sans-serif" font-size="14">
  <style>
    .box { fill: #eef3fa; stroke: #0b5394; stroke-width: 1.5; }
    .state { fill: #0b5394; font-weight: bold; }
    .event { fill: #222; font-size: 12px; }
    .edge { fill: none; stroke-width: 1.6; }
    .active { stroke: #0b5394; fill: none; }
    .passive { stroke: #38761d; stroke-dasharray: 7 4; fill: none; }
    .both { stroke: #777; stroke-dasharray: 2 3; fill: none; }
    .head { stroke: none; }
    .head.active { fill: #0b5394; }
    .head.passive { fill: #38761d; }
    .head.both { fill: #777; }
  </style>
  <defs>${roles.map(marker).join("")}</defs>
  <rect width="100%" height="100%" fill="#fff"/>
  ${text(MACHINE_WIDTH_PX / 2, 28, "The TCP state machine (RFC 9293, as Linux names the states)", 'text-anchor="middle" font-size="16" font-weight="bold"')}
  ${TRANSITIONS.map(renderTransition).join("\n  ")}
  ${STATE_BOXES.map(renderStateBox).join("\n  ")}
  ${renderLegend()}
</svg>
`;
}

/** Every diagram, by the file name it is kept under in this folder. */
export function renderDiagrams(): Map<string, string> {
  return new Map([
    ...DIAGRAMS.map((diagram): [string, string] => [diagram.file, render(diagram)]),
    [MACHINE_FILE, renderStateMachine()],
  ]);
}

if (import.meta.main) {
  for (const [file, svg] of renderDiagrams()) writeFileSync(path.join(import.meta.dirname, file), svg);
}

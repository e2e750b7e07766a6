import { randomBytes } from "node:crypto";
import { stripVTControlCharacters } from "node:util";
import type { Fault } from "../../labkit/fault/apply-fault.ts";
import { FAULT_KINDS, type FaultSpec } from "../../labkit/fault/fault-spec.ts";
import type { ServiceFaults } from "../../labkit/fault/list-faults.ts";
import type { SocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import type { TraceRecorder } from "../../labkit/trace/start-trace.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { ladderWindow } from "./ladder-window.ts";
import type { FaultsEvent, LabEvent, PageEventName, PageEvents, TourEvent } from "./page-events.ts";
import { keysByService, socketRows, socketsEvent } from "./socket-rows.ts";
import { PushThrottle } from "./throttle-pushes.ts";
import { WEB_LIMITS } from "./web-limits.ts";

/** A container of the running lab, as the CLI's requireRunningLab() reports it. */
export interface WebLabService {
  service: string;
  container: string;
  state: string;
  health: string;
  addresses: string[];
  networks: string[];
  ports: string[];
}

/** A tour step as the page can run it: the CLI's step with its title in the tour's language. */
export interface WebTourStep {
  key: string;
  title: string;
  services: readonly string[];
  run(context: {
    container(service: string): { name: string; id: string };
    say(text: string): void;
  }): Promise<void>;
}

/**
 * What the page needs of the lab, given by the `socklab web` command: the CLI's own code paths
 * (requireRunningLab, and labkit's readSocketTable, startTrace, applyFault, clearFaults and
 * listFaults, as `socklab netstat`, `trace` and `fault` call them).
 */
export interface WebLab {
  projectName: string;
  /** The running containers; throws ERR_LAB_DOWN (with its message) when the lab is not running. */
  readServices(): Promise<WebLabService[]>;
  readSockets(service: WebLabService): Promise<SocketTable>;
  /**
   * Starts recording the TCP of these containers (helper containers run until it stops), keeping
   * the newest `keepEvents` events only.
   */
  startTrace(services: readonly WebLabService[], options: { keepEvents: number }): Promise<TraceRecorder>;
  applyFault(spec: FaultSpec): Promise<Fault>;
  clearFaults(service?: string): Promise<unknown>;
  listFaults(): Promise<ServiceFaults[]>;
  tourSteps: readonly WebTourStep[];
}

interface Page {
  id: string;
  throttle: PushThrottle<unknown>;
  faults: Fault[];
}

type Send = <N extends PageEventName>(name: N, data: PageEvents[N]) => void;

/**
 * The live state of the lab for the open pages. It reads the lab only while a page is open
 * (socket tables, containers, a trace), and ends what a page started when the page goes.
 */
export class LabFeed {
  readonly #lab: WebLab;
  readonly #pages = new Map<string, Page>();
  #services: WebLabService[] = [];
  #socketTimer: NodeJS.Timeout | undefined;
  #labTimer: NodeJS.Timeout | undefined;
  #ladderTimer: NodeJS.Timeout | undefined;
  #previousKeys: Map<string, Set<string>> | undefined;
  #trace: Promise<TraceRecorder | undefined> | undefined;
  #traceStopped: Promise<void> = Promise.resolve();
  #shownEvents = -1;
  #lastFaults: ServiceFaults[] = [];
  #faultsReading: Promise<void> | undefined;
  #faultsDirty = false;
  #tour: TourEvent = { status: "idle", lines: [] };
  #last: Partial<PageEvents> = {};
  #sockets: Promise<void> | undefined;

  constructor(lab: WebLab) {
    this.#lab = lab;
  }

  get pageCount(): number {
    return this.#pages.size;
  }

  /** Whether a trace recording is running (its helper containers exist). */
  get tracing(): boolean {
    return this.#trace !== undefined;
  }

  /** A page opened its event stream: it is sent the last state at once, then every change. */
  async openPage(send: Send): Promise<string> {
    if (this.#pages.size >= WEB_LIMITS.maxPages)
      throw new SocklabError(
        "ERR_WEB_TOO_MANY_PAGES",
        `${WEB_LIMITS.maxPages} pages are open already: close one, or use one of them`,
      );
    const id = randomBytes(8).toString("hex");
    const page: Page = {
      id,
      faults: [],
      throttle: new PushThrottle(WEB_LIMITS.minPushIntervalMs, (name, data) =>
        send(name as PageEventName, data as never),
      ),
    };
    this.#pages.set(id, page);
    send("hello", {
      pageId: id,
      project: this.#lab.projectName,
      limits: { ...WEB_LIMITS },
      tourSteps: this.#lab.tourSteps.map(({ key, title, services }) => ({ key, title, services })),
      faultKinds: FAULT_KINDS,
    });
    for (const [name, data] of Object.entries(this.#last)) page.throttle.push(name, data);
    page.throttle.push("faults", this.#faultsFor(page));
    if (this.#pages.size === 1) await this.#start();
    return id;
  }

  /** The page's stream closed (closed tab, reload, network): its faults are removed. */
  async closePage(id: string): Promise<void> {
    const page = this.#pages.get(id);
    if (!page) return;
    this.#pages.delete(id);
    page.throttle.dispose();
    if (this.#pages.size === 0) this.#stop();
    await Promise.allSettled(page.faults.map((fault) => fault.clear()));
    if (page.faults.length > 0) this.#refreshFaults();
    if (this.#pages.size === 0) await this.#traceStopped;
  }

  /** Applies a fault through labkit's applyFault, as `socklab fault` does; it ends with the page. */
  async applyFault(pageId: string, spec: FaultSpec): Promise<Fault> {
    const page = this.#page(pageId);
    const fault = await this.#lab.applyFault(spec);
    if (!this.#pages.has(pageId)) {
      // The page went while the helper started: nothing may outlive it.
      await fault.clear();
      throw new SocklabError("ERR_WEB_BAD_REQUEST", "the page closed before its fault was in force");
    }
    page.faults.push(fault);
    void fault.removed.then(() => {
      page.faults = page.faults.filter((f) => f !== fault);
      this.#refreshFaults();
    });
    this.#refreshFaults();
    return fault;
  }

  /** Clears faults as `socklab fault clear [service]` does: every fault, whoever applied it. */
  async clearFaults(pageId: string, service?: string): Promise<void> {
    this.#page(pageId);
    await this.#lab.clearFaults(service);
    this.#refreshFaults();
  }

  /** Runs one of the tour's steps, its output sent to every page; one step at a time. */
  async runTourStep(pageId: string, key: string): Promise<void> {
    this.#page(pageId);
    const step = this.#lab.tourSteps.find((s) => s.key === key);
    if (!step)
      throw new SocklabError(
        "ERR_WEB_BAD_REQUEST",
        `no tour step ${key}; steps: ${this.#lab.tourSteps.map((s) => s.key).join(", ")}`,
      );
    if (this.#tour.status === "running")
      throw new SocklabError("ERR_WEB_BUSY", `the tour step ${this.#tour.step ?? ""} is running`);
    const services = await this.#lab.readServices();
    const lines: string[] = [];
    const publish = (status: TourEvent["status"]) => {
      this.#tour = { step: key, status, lines: lines.slice(-WEB_LIMITS.tourMaxLines) };
      this.#broadcast("tour", this.#tour);
    };
    publish("running");
    const context = {
      container(service: string) {
        const found = services.find((s) => s.service === service);
        if (!found) throw new SocklabError("ERR_LAB_DOWN", `${service} is not running in the lab`);
        return { name: service, id: found.container };
      },
      say(text: string) {
        lines.push(...stripVTControlCharacters(text).split("\n"));
        // Only the newest lines are ever sent: older ones are not kept either.
        lines.splice(0, Math.max(0, lines.length - WEB_LIMITS.tourMaxLines));
        publish("running");
      },
    };
    void step.run(context).then(
      () => publish("done"),
      (error: unknown) => {
        lines.push(`failed: ${(error as Error).message}`);
        publish("failed");
      },
    );
  }

  /** Every page closed: their faults cleared, the trace stopped. */
  async close(): Promise<void> {
    await Promise.all([...this.#pages.keys()].map((id) => this.closePage(id)));
    this.#stop();
    await this.#traceStopped;
  }

  #page(pageId: string): Page {
    const page = this.#pages.get(pageId);
    if (!page) throw new SocklabError("ERR_WEB_BAD_REQUEST", "no open page has this pageId: reload the page");
    return page;
  }

  #broadcast<N extends PageEventName>(name: N, data: PageEvents[N]): void {
    this.#last[name] = data;
    for (const page of this.#pages.values()) page.throttle.push(name, data);
  }

  async #start(): Promise<void> {
    await this.#traceStopped;
    await this.#readLab();
    // Every page may have gone while the lab was read, or another start won the race.
    if (this.#pages.size === 0 || this.#socketTimer !== undefined) return;
    this.#readSockets();
    this.#refreshFaults();
    this.#socketTimer = setInterval(() => this.#readSockets(), WEB_LIMITS.socketPollMs);
    this.#labTimer = setInterval(() => void this.#readLab(), WEB_LIMITS.labPollMs);
    this.#startTrace();
  }

  #stop(): void {
    clearInterval(this.#socketTimer);
    clearInterval(this.#labTimer);
    clearInterval(this.#ladderTimer);
    this.#socketTimer = this.#labTimer = this.#ladderTimer = undefined;
    this.#previousKeys = undefined;
    const trace = this.#trace;
    this.#trace = undefined;
    this.#shownEvents = -1;
    if (trace)
      this.#traceStopped = trace.then(async (t) => {
        await t?.stop();
      });
  }

  async #readLab(): Promise<void> {
    try {
      this.#services = await this.#lab.readServices();
      const lab: LabEvent = {
        services: this.#services.map(({ container: _id, ...shown }) => shown),
        networks: [...new Set(this.#services.flatMap((s) => s.networks))].sort(),
      };
      this.#broadcast("lab", lab);
      // An empty code tells the pages that the problem they show is over.
      if (this.#last.problem?.code) this.#broadcast("problem", { code: "", message: "" });
    } catch (error) {
      this.#services = [];
      this.#broadcast("problem", problemOf(error));
    }
  }

  // One read at a time: a slow engine skips a tick rather than piling reads up.
  #readSockets(): void {
    if (this.#sockets) return;
    this.#sockets = (async () => {
      const running = this.#services.filter((s) => s.state === "running");
      const readAt = new Date();
      const tables = await Promise.all(
        running.map(async (s) => {
          const table = await this.#lab.readSockets(s).catch(() => undefined);
          return { service: s.service, rows: table ? socketRows(table) : [] };
        }),
      );
      if (this.#pages.size === 0) return;
      const event = socketsEvent(tables, this.#previousKeys, readAt);
      this.#previousKeys = keysByService(event);
      this.#broadcast("sockets", event);
    })().finally(() => (this.#sockets = undefined));
  }

  #startTrace(): void {
    const services = this.#services.filter((s) => s.state === "running");
    if (services.length === 0) return;
    const trace = this.#lab
      .startTrace(services, { keepEvents: WEB_LIMITS.traceKeptEvents })
      .catch((error: unknown) => {
        this.#broadcast("ladder", {
          lanes: [],
          rows: [],
          statesSource: "off",
          note: `no trace: ${(error as Error).message}`,
          totalEvents: 0,
          shownEvents: 0,
        });
        return undefined;
      });
    this.#trace = trace;
    this.#ladderTimer = setInterval(
      () => void trace.then((t) => t && this.#pushLadder(t)),
      WEB_LIMITS.minPushIntervalMs,
    );
  }

  #pushLadder(trace: TraceRecorder): void {
    if (this.#trace === undefined) return;
    const timeline = trace.timeline();
    // Counted with the events the trace no longer keeps: past its bound, the kept ones stay as many.
    const recorded = timeline.events.length + (timeline.droppedEvents ?? 0);
    if (recorded === this.#shownEvents) return;
    this.#shownEvents = recorded;
    this.#broadcast("ladder", ladderWindow(timeline, WEB_LIMITS.ladderMaxEvents));
  }

  // listFaults starts a helper per service: read after a change, not on a timer; one read at a time.
  #refreshFaults(): void {
    if (this.#faultsReading) {
      this.#faultsDirty = true;
      return;
    }
    this.#faultsReading = this.#lab
      .listFaults()
      .then((faults) => {
        this.#lastFaults = faults;
        for (const page of this.#pages.values()) page.throttle.push("faults", this.#faultsFor(page));
      })
      .catch((error: unknown) => this.#broadcast("problem", problemOf(error)))
      .finally(() => {
        this.#faultsReading = undefined;
        if (this.#faultsDirty && this.#pages.size > 0) {
          this.#faultsDirty = false;
          this.#refreshFaults();
        }
      });
  }

  #faultsFor(page: Page): FaultsEvent {
    const now = Date.now();
    return {
      services: this.#lastFaults.map(({ service, faults }) => ({
        service,
        faults: faults.map((f) => ({
          description: f.description,
          mechanism: f.mechanism,
          ...(f.expiresAt
            ? { endsInSeconds: Math.max(0, Math.round((f.expiresAt.getTime() - now) / 1000)) }
            : {}),
          fromThisPage: page.faults.some((own) => own.service === service && f.name.includes(own.id)),
        })),
      })),
    };
  }
}

export function problemOf(error: unknown): { code: string; message: string } {
  return error instanceof SocklabError
    ? { code: error.code, message: error.message }
    : { code: "ERR_LAB_EXEC", message: (error as Error).message };
}

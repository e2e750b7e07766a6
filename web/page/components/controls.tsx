import { useState } from "preact/hooks";
import type { FaultsEvent, HelloEvent, LabEvent, TourEvent } from "../../server/page-events.ts";
import { postJson } from "../use-lab-events.ts";

interface FaultForm {
  kind: string;
  service: string;
  peer: string;
  percent: string;
  port: string;
  flags: string;
  rate: string;
  ms: string;
  seconds: string;
}

// Which inputs each kind takes, and how they become the fault spec labkit's applyFault checks.
const FIELDS_BY_KIND: Readonly<Record<string, readonly (keyof FaultForm)[]>> = {
  loss: ["percent", "port"],
  blackhole: ["port"],
  reset: ["port"],
  drop: ["flags", "port"],
  partition: ["peer"],
  bandwidth: ["rate"],
  delay: ["ms"],
  duplicate: ["percent"],
  reorder: ["percent", "ms"],
};

function specOf(form: FaultForm): Record<string, unknown> {
  const fields = FIELDS_BY_KIND[form.kind] ?? [];
  const number = (text: string) => (text.trim() === "" ? undefined : Number(text));
  return {
    kind: form.kind,
    service: form.service,
    seconds: number(form.seconds),
    ...(fields.includes("percent") ? { percent: number(form.percent) } : {}),
    ...(fields.includes("port") ? { port: number(form.port) } : {}),
    ...(fields.includes("peer") ? { peer: form.peer } : {}),
    ...(fields.includes("flags") ? { flags: form.flags.split(",").map((f) => f.trim()) } : {}),
    ...(fields.includes("rate") ? { rateKbitPerSecond: number(form.rate) } : {}),
    ...(fields.includes("ms") ? { delayMs: number(form.ms) } : {}),
  };
}

const LABELS: Readonly<Record<string, string>> = {
  percent: "percent",
  port: "port (optional)",
  peer: "peer",
  flags: "flags (syn,syn-ack,fin,rst)",
  rate: "rate (kbit/s)",
  ms: "delay (ms)",
};

/** The tour's steps and the faults, run through the server with the CLI's own code. */
export function Controls({
  hello,
  lab,
  faults,
  tour,
}: {
  hello: HelloEvent;
  lab: LabEvent | undefined;
  faults: FaultsEvent | undefined;
  tour: TourEvent | undefined;
}) {
  const services = lab?.services.map((s) => s.service) ?? [];
  const [form, setForm] = useState<FaultForm>({
    kind: "blackhole",
    service: "tcp-echo",
    peer: "workbench",
    percent: "30",
    port: "",
    flags: "syn",
    rate: "800",
    ms: "100",
    seconds: "120",
  });
  const [answer, setAnswer] = useState<string>("");
  const set = (field: keyof FaultForm) => (event: Event) =>
    setForm({ ...form, [field]: (event.currentTarget as HTMLInputElement).value });
  const post = async (path: string, body: Record<string, unknown>) => {
    const reply = await postJson(path, { pageId: hello.pageId, ...body });
    setAnswer(reply.ok ? "" : reply.text);
  };
  const inForce = faults?.services.filter((s) => s.faults.length > 0) ?? [];
  return (
    <div class="columns controls">
      <section>
        <h2>The tour, step by step</h2>
        <div class="buttons">
          {hello.tourSteps.map((step, index) => (
            <button
              key={step.key}
              type="button"
              disabled={tour?.status === "running"}
              data-step={step.key}
              onClick={() => void post(`./api/tour/${step.key}`, {})}
            >
              {index + 1}. {step.title}
            </button>
          ))}
        </div>
        {tour && tour.status !== "idle" && (
          <pre class={`tour-output ${tour.status}`} data-testid="tour-output" data-status={tour.status}>
            {tour.lines.join("\n")}
          </pre>
        )}
      </section>
      <section>
        <h2>Faults</h2>
        <form
          class="fault-form"
          data-testid="fault-form"
          onSubmit={(event) => {
            event.preventDefault();
            void post("./api/faults", { spec: specOf(form) });
          }}
        >
          <label>
            kind
            <select name="kind" value={form.kind} onChange={set("kind")}>
              {hello.faultKinds.map((kind) => (
                <option key={kind} value={kind}>
                  {kind}
                </option>
              ))}
            </select>
          </label>
          <label>
            service
            <select name="service" value={form.service} onChange={set("service")}>
              {services.map((service) => (
                <option key={service} value={service}>
                  {service}
                </option>
              ))}
            </select>
          </label>
          {(FIELDS_BY_KIND[form.kind] ?? []).map((field) => (
            <label key={field}>
              {LABELS[field]}
              <input name={field} value={form[field]} onInput={set(field)} />
            </label>
          ))}
          <label>
            seconds (at most {hello.limits["pageFaultMaxSeconds"]})
            <input name="seconds" value={form.seconds} onInput={set("seconds")} />
          </label>
          <button type="submit">Apply</button>
          <button type="button" onClick={() => void post("./api/faults/clear", {})}>
            Clear every fault
          </button>
        </form>
        {answer && (
          <p class="problem" data-testid="fault-answer">
            {answer}
          </p>
        )}
        <ul class="faults" data-testid="faults">
          {inForce.length === 0 && <li class="muted">no fault in force</li>}
          {inForce.flatMap((s) =>
            s.faults.map((f) => (
              <li key={`${s.service} ${f.description}`} data-service={s.service}>
                <b>{s.service}</b>: {f.description} ({f.mechanism}
                {f.endsInSeconds !== undefined ? `, ends in ${f.endsInSeconds} s` : ""})
                {f.fromThisPage ? " — from this page, ends when it closes" : ""}
              </li>
            )),
          )}
        </ul>
        <p class="muted small">Faults applied here end when this page closes or reloads.</p>
      </section>
    </div>
  );
}

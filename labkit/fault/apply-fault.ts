import { randomBytes } from "node:crypto";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { waitFor } from "../wait-for.ts";
import { endsWithin } from "./ends-within.ts";
import { buildFaultScript, FAULT_DEVICE, type FaultScript } from "./build-fault-script.ts";
import { FAULT_DEFAULT_SECONDS, type FaultSpec, type FaultTarget } from "./fault-spec.ts";
import { findServiceContainers } from "./find-service-containers.ts";
import { FAULT_LABELS, startFaultHelper, type RunningHelper } from "./run-fault-helper.ts";
import { validateFaultSpec } from "./validate-fault-spec.ts";

/** A fault in force; `await using` removes it however the scope ends. */
export interface Fault extends AsyncDisposable {
  readonly id: string;
  readonly service: string;
  readonly spec: FaultSpec;
  /** What `socklab fault list` shows for it: `loss 30% in, port 7`. */
  readonly description: string;
  /** When its helper removes it by itself, whatever happens to the process that applied it. */
  readonly expiresAt: Date;
  /**
   * Settles when its helper has ended, having removed the fault (cleared, expired, or its container
   * gone); a helper killed by force cannot, and leaves it to clearFaults().
   */
  readonly removed: Promise<void>;
  clear(): Promise<void>;
  /**
   * Leaves the fault to its helper and stops watching it, so that this process may exit: it stays
   * in force until its seconds run out or clearFaults() removes it. `removed` then never settles.
   */
  detach(): void;
}

/** How long the helper has to apply a fault (and to report that it did) or to remove it. */
const HELPER_TIMEOUT_MS = 20_000;

// The helper's whole life: apply, say so, hold until the deadline (or a signal, or the service's
// network going away with its container), remove. Its own deadline is what removes the fault when
// every process that could have cleared it was killed.
const HOLD_SCRIPT = String.raw`
removed=no
remove() {
  [ "$removed" = yes ] && return
  removed=yes
  sh -c "$FAULT_REMOVE" >/dev/null 2>&1
  echo "socklab-fault: removed ($1)"
}
trap 'remove signal; exit 0' TERM INT HUP
if ! out=$(sh -ec "$FAULT_APPLY" 2>&1); then
  sh -c "$FAULT_REMOVE" >/dev/null 2>&1
  printf 'socklab-fault: failed %s\n' "$out"
  exit 3
fi
echo "socklab-fault: applied"
end=$(( $(date +%s) + FAULT_SECONDS ))
while [ "$(date +%s)" -lt "$end" ]; do
  if [ ! -e /sys/class/net/$FAULT_DEVICE ]; then echo "socklab-fault: ended (the network is gone)"; exit 0; fi
  sleep 1 & wait $!
done
remove deadline
`;

/**
 * Applies `spec` to one service of `target` through a helper in its network namespace, and resolves
 * once the fault is in force. Errors: ERR_FAULT_ARGUMENT (bad spec, unknown service),
 * ERR_FAULT_UNSUPPORTED (the kernel lacks what the kind needs; the message names it),
 * ERR_FAULT_CONFLICT (a fault of the same mechanism is in force), ERR_FAULT_FAILED (anything else).
 */
export async function applyFault(target: FaultTarget, spec: FaultSpec): Promise<Fault> {
  const containers = await findServiceContainers(target.projectName, target.engines);
  validateFaultSpec(spec, [...containers.keys()]);
  const container = containers.get(spec.service);
  if (!container) throw new SocklabError("ERR_FAULT_ARGUMENT", `no running service ${spec.service}`);
  const peerAddresses = spec.peer === undefined ? [] : (containers.get(spec.peer)?.addresses ?? []);
  if (spec.peer !== undefined && peerAddresses.length === 0)
    throw new SocklabError("ERR_FAULT_ARGUMENT", `${spec.peer} has no IPv4 address to scope the fault to`);

  const id = randomBytes(4).toString("hex");
  const script = buildFaultScript(spec, { id, peerAddresses });
  const seconds = spec.seconds ?? FAULT_DEFAULT_SECONDS;
  const expiresAt = new Date(Date.now() + seconds * 1000);
  const labels = {
    [FAULT_LABELS.project]: target.projectName,
    [FAULT_LABELS.service]: spec.service,
    [FAULT_LABELS.kind]: spec.kind,
    [FAULT_LABELS.id]: id,
    [FAULT_LABELS.description]: script.description,
    [FAULT_LABELS.expiresAt]: expiresAt.toISOString(),
  };
  const env = {
    FAULT_APPLY: script.apply,
    FAULT_REMOVE: script.remove,
    FAULT_SECONDS: String(seconds),
    FAULT_DEVICE,
  };
  const helper = await startFaultHelper(container.id, HOLD_SCRIPT, env, labels, container.docker);
  await waitUntilApplied(helper, spec, script);
  return heldFault(helper, { id, spec, description: script.description, expiresAt });
}

async function waitUntilApplied(helper: RunningHelper, spec: FaultSpec, script: FaultScript): Promise<void> {
  let ended = false;
  void helper.ended.then(() => (ended = true));
  const outcome = await waitFor(
    () => {
      const output = helper.output();
      if (/^socklab-fault: applied$/m.test(output)) return "applied";
      if (/^socklab-fault: failed/m.test(output) || ended) return "failed";
      return undefined;
    },
    {
      timeoutMs: HELPER_TIMEOUT_MS,
      pollMs: 50,
      what: `the fault helper on ${spec.service} to apply ${script.description}`,
    },
  );
  if (outcome === "applied") return;
  await helper.ended;
  throw failureOf(spec, script, helper.output());
}

// What the kernel's tools say when a module or hook is not there, and when the one root qdisc is taken.
const MISSING_FEATURE = /unknown|not supported|No such file or directory|Protocol not supported/i;
const CONFLICT = /Exclusivity flag|File exists/i;

function failureOf(spec: FaultSpec, script: FaultScript, output: string): SocklabError {
  const said = (/^socklab-fault: failed ([\s\S]*)$/m.exec(output)?.[1] ?? output).trim();
  if (CONFLICT.test(said))
    return new SocklabError(
      "ERR_FAULT_CONFLICT",
      `${script.description} on ${spec.service}: another fault already holds the interface's queueing discipline (socklab fault list shows it; socklab fault clear ${spec.service} removes it); tc said: ${said}`,
    );
  if (MISSING_FEATURE.test(said))
    return new SocklabError(
      "ERR_FAULT_UNSUPPORTED",
      `${spec.kind} cannot be had on ${spec.service}: this kernel lacks ${script.needs}; the helper said: ${said}`,
    );
  return new SocklabError("ERR_FAULT_FAILED", `${script.description} on ${spec.service} failed: ${said}`);
}

interface FaultIdentity {
  id: string;
  spec: FaultSpec;
  description: string;
  expiresAt: Date;
}

function heldFault(helper: RunningHelper, identity: FaultIdentity): Fault {
  let cleared: Promise<void> | undefined;
  const clear = async (): Promise<void> => {
    // SIGTERM: the helper removes the fault, then ends (and the engine removes it).
    await helper.container.kill({ signal: "SIGTERM" }).catch(() => undefined);
    await endsWithin(helper, HELPER_TIMEOUT_MS, `${identity.description} on ${identity.spec.service}`);
  };
  return {
    ...identity,
    service: identity.spec.service,
    removed: helper.ended,
    clear: () => (cleared ??= clear()),
    detach: () => helper.stopFollowing(),
    [Symbol.asyncDispose]: () => (cleared ??= clear()),
  };
}

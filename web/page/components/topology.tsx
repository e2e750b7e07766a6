import type { FaultsEvent, LabEvent, LabService } from "../../server/page-events.ts";

const BOX_WIDTH = 170;
const BOX_HEIGHT = 84;
const GAP = 24;
const BUS_SPACING = 26;
const MARGIN = 16;

// The workbench (the clients) on the left, then the services in name order.
function ordered(services: readonly LabService[]): LabService[] {
  return [...services].sort((a, b) =>
    a.service === "workbench" ? -1 : b.service === "workbench" ? 1 : a.service.localeCompare(b.service),
  );
}

function healthClass(service: LabService): string {
  if (service.state !== "running") return "down";
  return service.health === "" ? "running" : service.health;
}

/** The lab as a picture: each network a bus, each container a box joined to the networks it is on. */
export function Topology({ lab, faults }: { lab: LabEvent | undefined; faults: FaultsEvent | undefined }) {
  if (!lab) return <p class="muted">reading the lab…</p>;
  const services = ordered(lab.services);
  const width = Math.max(MARGIN * 2 + services.length * (BOX_WIDTH + GAP) - GAP, 400);
  const boxTop = MARGIN + lab.networks.length * BUS_SPACING + 20;
  const height = boxTop + BOX_HEIGHT + MARGIN;
  const busY = (index: number) => MARGIN + 10 + index * BUS_SPACING;
  const faulted = new Set(faults?.services.filter((s) => s.faults.length > 0).map((s) => s.service));
  return (
    <svg
      class="topology-svg"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label="the lab's containers and networks"
      data-testid="topology"
    >
      {lab.networks.map((network, index) => (
        <g key={network} class="network">
          <line x1={MARGIN} x2={width - MARGIN} y1={busY(index)} y2={busY(index)} />
          <text x={MARGIN} y={busY(index) - 5}>
            network {network}
          </text>
        </g>
      ))}
      {services.map((service, index) => {
        const x = MARGIN + index * (BOX_WIDTH + GAP);
        return (
          <g
            key={service.service}
            class={`container ${healthClass(service)}${faulted.has(service.service) ? " faulted" : ""}`}
            data-service={service.service}
          >
            {service.networks.map((network) => {
              const bus = lab.networks.indexOf(network);
              return (
                <line
                  key={network}
                  class="link"
                  x1={x + BOX_WIDTH / 2}
                  x2={x + BOX_WIDTH / 2}
                  y1={busY(bus)}
                  y2={boxTop}
                />
              );
            })}
            <rect x={x} y={boxTop} width={BOX_WIDTH} height={BOX_HEIGHT} rx={6} />
            <circle class="dot" cx={x + 14} cy={boxTop + 18} r={5} />
            <text class="name" x={x + 26} y={boxTop + 23}>
              {service.service}
            </text>
            <text x={x + 10} y={boxTop + 43}>
              {service.addresses.join(", ") || "no address"}
            </text>
            <text x={x + 10} y={boxTop + 61}>
              {service.ports.slice(0, 2).join(", ") || (service.service === "workbench" ? "the clients" : "")}
            </text>
            <text x={x + 10} y={boxTop + 77} class="status">
              {faulted.has(service.service) ? "FAULT in force" : `${service.state} ${service.health}`.trim()}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

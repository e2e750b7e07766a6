import type { SocketsEvent } from "../../server/page-events.ts";

/** Each container's sockets, states coloured, rows that are new since the last read highlighted. */
export function SocketTables({ sockets }: { sockets: SocketsEvent | undefined }) {
  if (!sockets) return <p class="muted">reading the socket tables…</p>;
  return (
    <div class="tables">
      <p class="muted small">read at {sockets.readAt.slice(11, 19)} UTC</p>
      {sockets.tables.map((table) => {
        const changed = new Set(table.changed);
        return (
          <table key={table.service} class="socket-table" data-service={table.service}>
            <caption>{table.service}</caption>
            <thead>
              <tr>
                <th>proto</th>
                <th>local</th>
                <th>remote</th>
                <th>state</th>
                <th>program</th>
              </tr>
            </thead>
            <tbody>
              {table.rows.length === 0 && (
                <tr>
                  <td colSpan={5} class="muted">
                    no sockets
                  </td>
                </tr>
              )}
              {table.rows.map((row) => (
                <tr key={row.key} class={changed.has(row.key) ? "changed" : ""} data-state={row.state}>
                  <td>{row.protocol}</td>
                  <td>{row.local}</td>
                  <td>{row.remote}</td>
                  <td class={`state state-${row.state}`}>{row.state}</td>
                  <td>{row.program ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        );
      })}
    </div>
  );
}

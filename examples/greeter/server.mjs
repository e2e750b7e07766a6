// A tiny TCP service, written without socklab or TypeScript: it answers each line `NAME` with
// `hello NAME`, and closes when the client has closed its side (so the client keeps TIME_WAIT).
import net from "node:net";

const PORT = Number(process.env.GREETER_PORT ?? 7070);
const MAX_LINE_BYTES = 1024;

const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  let pending = "";
  socket.setEncoding("utf8");
  socket.on("data", (text) => {
    pending += text;
    if (pending.length > MAX_LINE_BYTES) return socket.destroy();
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const name = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      socket.write(`hello ${name}\n`);
    }
  });
  socket.on("end", () => socket.end());
  socket.on("error", () => socket.destroy());
});

server.listen(PORT, () => console.log(`greeter listening on ${PORT}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));

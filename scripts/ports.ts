// Ports that another process binds later (a server started with it on its command line or in its
// environment). Linux hands out ephemeral ports (32768-60999 here) to every outgoing connection,
// so a port taken there with listen(0) and released can be taken by a connection before the server
// binds it: they are probed below that range instead, where nothing is handed out.
import { createServer } from 'node:net';

const LOW = 20_000;
const SPAN = 12_000;

/** A port below the ephemeral range (so also below 32768) with nothing listening on it now, not one of `taken`. */
export async function portToBindLater(taken: readonly number[] = []): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * SPAN);
    if (taken.includes(port)) continue;
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
}

/** `n` different ports to bind later. */
export async function portsToBindLater(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) ports.push(await portToBindLater(ports));
  return ports;
}

/**
 * The minimal splice of bench/one-port-hop.ts (Bun.listen → Bun.connect, as transport/port-mux.ts does), and, run
 * as a Worker, the same splice on its own thread: post it `{ port }`, it posts back its own port.
 */
import type { Socket } from "bun";

interface Side {
  peer?: Socket<Side>;
}

export function splice(target: { port: number } | { unix: string }) {
  return Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    data: {},
    socket: {
      async open(client) {
        client.data = {};
        client.pause();
        client.setNoDelay(true);
        const upstream = await Bun.connect<Side>({
          ...("unix" in target ? { unix: target.unix } : { hostname: "127.0.0.1", port: target.port }),
          data: { peer: client },
          socket: {
            data: (_, chunk) => void client.write(chunk),
            close: () => void client.end(),
          },
        } as Parameters<typeof Bun.connect<Side>>[0]);
        client.data.peer = upstream;
        client.resume();
      },
      data: (client, chunk) => void client.data.peer?.write(chunk),
      close: (client) => void client.data.peer?.end(),
    },
  });
}

declare const self: Worker;
if (!Bun.isMainThread) {
  self.onmessage = (e: MessageEvent<{ port: number }>) => postMessage(splice({ port: e.data.port }).port);
}

/** Runs a simulated fleet (bench/sim-fleet.ts) in a child process: the benchmark's control plane keeps its event loop. */
import type { SimAgentIdentity } from "./sim-agent";

export interface SimFleetProcess {
  /** Stops every simulated agent and waits for the process to exit. */
  stop(): Promise<void>;
}

/** Resolves once every agent of `identities` is connected and has announced itself online. */
export async function spawnSimFleet(mqttUrl: string, identities: SimAgentIdentity[]): Promise<SimFleetProcess> {
  const file = `${process.env.TMPDIR ?? "/tmp"}/sim-fleet-${process.pid}-${Date.now()}.json`;
  await Bun.write(file, JSON.stringify(identities));
  const proc = Bun.spawn([process.execPath, `${import.meta.dir}/sim-fleet.ts`, mqttUrl, file], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  let out = "";
  while (!out.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`simulated fleet exited: ${out}`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return {
    async stop() {
      proc.stdin.end();
      await proc.exited;
    },
  };
}

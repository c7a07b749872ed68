/**
 * A control plane as its own OS process (`control-plane/src/main.ts`), so a test can `kill -9` it and start it
 * again on the same database and broker. Ports are ephemeral; each start reports the ones it got.
 */
import type { Subprocess } from "bun";
import { TEST_POOL } from "./control-plane";

const MAIN = new URL("../../control-plane/src/main.ts", import.meta.url).pathname;
const running = new Set<ControlPlaneProcess>();

export interface ControlPlaneProcessOptions {
  databaseUrl: string;
  mqttUrl: string;
  adminKey: string;
  env?: Record<string, string>;
}

export class ControlPlaneProcess {
  output = "";
  url = "";
  grpcPort = 0;
  private proc?: Subprocess<"ignore", "pipe", "pipe">;

  constructor(private readonly opts: ControlPlaneProcessOptions) {}

  /** Starts the process and waits until it serves HTTP and gRPC. */
  async start(timeoutMs = 30_000): Promise<this> {
    this.output = "";
    this.proc = Bun.spawn([process.execPath, MAIN], {
      env: {
        ...process.env,
        PORT: "0",
        GRPC_PORT: "0",
        HOST: "127.0.0.1",
        DATABASE_URL: this.opts.databaseUrl,
        MQTT_URL: this.opts.mqttUrl,
        ADMIN_KEY: this.opts.adminKey,
        ...(TEST_POOL.databasePoolSize ? { DATABASE_POOL_SIZE: String(TEST_POOL.databasePoolSize) } : {}),
        LOG_LEVEL: process.env.FAULT_DEBUG_DIR ? "debug" : "info",
        ...this.opts.env,
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    running.add(this);
    for (const stream of [this.proc.stdout, this.proc.stderr]) void this.collect(stream);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const url = this.output.match(/control plane listening on (http:\/\/\S+)/)?.[1];
      const grpc = this.output.match(/gRPC: port (\d+)/)?.[1];
      if (url && grpc) {
        this.url = url;
        this.grpcPort = Number(grpc);
        return this;
      }
      if (this.proc.exitCode !== null || Date.now() > deadline)
        throw new Error(`control plane did not start; output:\n${this.output}`);
      await Bun.sleep(50);
    }
  }

  private async collect(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.output += decoder.decode(chunk);
  }

  /** SIGKILL: no shutdown, no goodbye. */
  async kill(): Promise<void> {
    this.proc?.kill("SIGKILL");
    await this.proc?.exited;
    running.delete(this);
  }

  async stop(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill("SIGTERM");
      await Promise.race([this.proc.exited, Bun.sleep(5000)]);
      if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
      await this.proc.exited;
    }
    running.delete(this);
  }
}

/** Stops every control plane process a test left behind. */
export async function stopAllControlPlanes(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

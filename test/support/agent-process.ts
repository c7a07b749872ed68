/** Runs a real edge-agent process for a test, with its output captured and guaranteed clean-up. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const MAIN = new URL("../../edge-agent/src/main.ts", import.meta.url).pathname;
const running = new Set<AgentProcess>();

export interface AgentProcessOptions {
  apiUrl: string;
  mqttUrl: string;
  runtimeId: string;
  bootstrapToken?: string;
  /** Reuse a state directory (restart); a fresh one otherwise. */
  stateDir?: string;
  env?: Record<string, string>;
  /** The agent's command line (default: `bun edge-agent/src/main.ts`), e.g. a compiled binary under qemu. */
  command?: string[];
}

export class AgentProcess {
  readonly stateDir: string;
  output = "";
  private proc?: Subprocess<"ignore", "pipe", "pipe">;
  private exited?: Promise<number>;

  constructor(private readonly opts: AgentProcessOptions) {
    this.stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "edge-agent-"));
  }

  start(): this {
    this.proc = Bun.spawn(this.opts.command ?? [process.execPath, MAIN], {
      env: {
        ...process.env,
        EDGE_API_URL: this.opts.apiUrl,
        EDGE_MQTT_URL: this.opts.mqttUrl,
        EDGE_RUNTIME_ID: this.opts.runtimeId,
        EDGE_STATE_DIR: this.stateDir,
        EDGE_KEEPALIVE_SECONDS: "2",
        EDGE_STATUS_INTERVAL_MS: "500",
        EDGE_RECONNECT_MIN_MS: "100",
        EDGE_RECONNECT_MAX_MS: "1000",
        EDGE_LOG_LEVEL: "debug",
        ...(this.opts.bootstrapToken ? { EDGE_BOOTSTRAP_TOKEN: this.opts.bootstrapToken } : {}),
        ...this.opts.env,
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    for (const stream of [this.proc.stdout, this.proc.stderr]) void this.collect(stream);
    this.exited = this.proc.exited;
    running.add(this);
    return this;
  }

  private async collect(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.output += decoder.decode(chunk);
  }

  /** Waits until the agent has printed a line matching `pattern`. */
  async waitForOutput(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`agent never printed ${pattern}; output:\n${this.output}`);
      await Bun.sleep(25);
    }
  }

  /** Sends a signal without waiting for anything (e.g. SIGUSR1: local emergency stop). */
  signal(signal: NodeJS.Signals): void {
    this.proc?.kill(signal);
  }

  /** SIGKILL: the process dies without saying goodbye (its Last Will must speak for it). */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<number> {
    this.proc?.kill(signal);
    return (await this.exited) ?? -1;
  }

  async exitCode(timeoutMs = 10_000): Promise<number> {
    return Promise.race([
      this.exited!,
      Bun.sleep(timeoutMs).then(() => Promise.reject(new Error(`agent did not exit; output:\n${this.output}`))),
    ]);
  }

  async stop({ keepState = false } = {}): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill("SIGTERM");
      await Promise.race([this.exited, Bun.sleep(3000)]);
      if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    }
    running.delete(this);
    if (!keepState) rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** Kills every agent a test left behind (call from afterAll/afterEach). */
export async function stopAllAgents(): Promise<void> {
  await Promise.all([...running].map((a) => a.stop()));
}

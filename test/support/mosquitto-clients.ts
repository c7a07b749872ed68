/**
 * Debian's mosquitto-clients (`mosquitto_sub`, `mosquitto_pub`) as a real third-party MQTT consumer, and a private
 * `mosquitto` broker started from generated config files. `.ci/run` installs them when missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { waitFor } from "./wait";

export interface BrokerLogin {
  port: number;
  username?: string;
  password?: string;
  clientId?: string;
}

function loginArgs(login: BrokerLogin): string[] {
  const args = ["-h", "127.0.0.1", "-p", String(login.port), "-V", "mqttv311"];
  if (login.username) args.push("-u", login.username);
  if (login.password) args.push("-P", login.password);
  if (login.clientId) args.push("-i", login.clientId);
  return args;
}

export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
}

/** `mosquitto_sub -d -F '%t %x'`: every message with its topic and raw payload; SUBACK results from its debug lines. */
export class MosquittoSub {
  /** Every one not stopped yet: `stopAll` in an afterAll leaves no process behind, whatever failed. */
  private static readonly live = new Set<MosquittoSub>();
  static async stopAll() {
    await Promise.all([...MosquittoSub.live].map((sub) => sub.stop()));
  }

  readonly messages: ReceivedMessage[] = [];
  /** Granted QoS per SUBACK, in order (128 = refused). */
  readonly granted: number[][] = [];
  readonly debug: string[] = [];
  private readonly process: Subprocess<"ignore", "pipe", "pipe">;
  stderr = "";
  exitCode?: number;

  constructor(login: BrokerLogin, topics: string[]) {
    // Line-buffered: into a pipe, mosquitto_sub's stdout (debug lines included) is flushed only at exit otherwise.
    const args = ["stdbuf", "-oL", "mosquitto_sub", ...loginArgs(login), "-d", "-F", "%t %x"];
    for (const topic of topics) args.push("-t", topic);
    this.process = Bun.spawn(args, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    MosquittoSub.live.add(this);
    void this.read();
    void new Response(this.process.stderr).text().then((text) => {
      this.stderr = text;
    });
    void this.process.exited.then((code) => {
      this.exitCode = code;
    });
  }

  private async read() {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const chunk of this.process.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) this.parse(line);
    }
  }

  private parse(line: string) {
    const subscribed = /^Subscribed \(mid: \d+\): (.*)$/.exec(line);
    if (subscribed) {
      this.granted.push(subscribed[1]!.split(", ").map(Number));
      return;
    }
    if (line.startsWith("Client ") || line.startsWith("Subscribed") || !line.includes(" ")) {
      this.debug.push(line);
      return;
    }
    const space = line.lastIndexOf(" ");
    this.messages.push({ topic: line.slice(0, space), payload: Buffer.from(line.slice(space + 1), "hex") });
  }

  /** Waits for the SUBACK; returns the granted QoS of each topic. */
  subscribed(): Promise<number[]> {
    return waitFor("mosquitto_sub SUBACK", async () => this.granted[0] ?? (this.exitCode !== undefined && []));
  }

  on(topic: string) {
    return this.messages.filter((m) => m.topic === topic);
  }

  get pid() {
    return this.process.pid;
  }

  /** Stops reading (SIGSTOP): a stalled consumer. */
  pause() {
    this.process.kill("SIGSTOP");
  }

  resume() {
    this.process.kill("SIGCONT");
  }

  exited(): Promise<number> {
    return this.process.exited;
  }

  async stop() {
    this.process.kill("SIGKILL");
    await this.process.exited;
    MosquittoSub.live.delete(this);
  }
}

/** `mosquitto_pub` once; its exit code and stderr. */
export async function mosquittoPub(login: BrokerLogin, topic: string, message: string, qos: 0 | 1 = 1) {
  const process = Bun.spawn(["mosquitto_pub", ...loginArgs(login), "-t", topic, "-m", message, "-q", String(qos)], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const timer = setTimeout(() => process.kill(), 10_000);
  const code = await process.exited;
  clearTimeout(timer);
  return { code, stderr: await new Response(process.stderr).text() };
}

/** A port nobody listens on right now (mosquitto cannot bind port 0 and report it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address !== "object") throw new Error("no port");
  return address.port;
}

export interface GeneratedBrokerConfig {
  brokerSettings: string;
  passwordFile: string;
  aclFile: string;
  dynamicSecurity: object;
}

/** Where Debian installs Mosquitto's dynamic security plugin. */
export const DYNSEC_PLUGIN = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";

/**
 * A private mosquitto on an ephemeral port, configured from generated files: a password file and an ACL file, or
 * the dynamic security plugin with its JSON.
 */
export class PrivateMosquitto {
  readonly dir = mkdtempSync(join(tmpdir(), "mosquitto-"));
  private process?: Subprocess<"ignore", "ignore", "pipe">;
  port = 0;

  constructor(private readonly mode: "acl_file" | "dynsec") {}

  private writeFiles(files: GeneratedBrokerConfig) {
    writeFileSync(join(this.dir, "passwd"), files.passwordFile, { mode: 0o600 });
    writeFileSync(join(this.dir, "acl"), files.aclFile, { mode: 0o600 });
    writeFileSync(join(this.dir, "dynsec.json"), JSON.stringify(files.dynamicSecurity), { mode: 0o600 });
  }

  async start(files: GeneratedBrokerConfig) {
    this.writeFiles(files);
    this.port = await freePort();
    const conf = join(this.dir, "mosquitto.conf");
    const auth =
      this.mode === "acl_file"
        ? [`password_file ${join(this.dir, "passwd")}`, `acl_file ${join(this.dir, "acl")}`]
        : [`plugin ${DYNSEC_PLUGIN}`, `plugin_opt_config_file ${join(this.dir, "dynsec.json")}`];
    writeFileSync(
      conf,
      [
        `listener ${this.port} 127.0.0.1`,
        "allow_anonymous false",
        files.brokerSettings,
        ...auth,
        "persistence false",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        // Running as root, mosquitto would switch to the `mosquitto` user, which cannot read these 0600 files.
        ...(process.getuid?.() === 0 ? ["user root"] : []),
        "",
      ].join("\n"),
    );
    this.process = Bun.spawn(["mosquitto", "-c", conf], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    await waitFor("private mosquitto to listen", async () => {
      const { createConnection } = await import("node:net");
      return new Promise<boolean>((resolve) => {
        const socket = createConnection({ host: "127.0.0.1", port: this.port });
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(false));
      });
    });
  }

  /** New password and ACL files, then SIGHUP: mosquitto reloads them. */
  reload(files: GeneratedBrokerConfig) {
    this.writeFiles(files);
    this.process?.kill("SIGHUP");
  }

  async stop() {
    this.process?.kill();
    await this.process?.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

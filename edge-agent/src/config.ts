/** Agent configuration from command-line flags and EDGE_* environment variables (flags win). */
import { join } from "node:path";
import { hostname } from "node:os";
import { LOG_LEVELS, type LogLevel } from "@edge/proto/log";
import { AGENT_VERSION } from "./version.ts";
import { parseAgentTypes } from "./commands/agent-run.ts";
import { labelsProblem } from "@edge/proto/labels";

export interface AgentConfig {
  /** Control plane REST base URL, without trailing slash. */
  apiUrl: string;
  mqttUrl: string;
  /** Control plane gRPC endpoint (host:port, plaintext) for the real-time session; undefined = MQTT only. */
  grpcUrl?: string;
  runtimeId: string;
  /** Only needed on first start, when the state dir holds no identity yet. */
  bootstrapToken?: string;
  /** Alternative to runtimeId + bootstrapToken: enroll as a worker with a one-time worker token (first start only). */
  enrollToken?: string;
  /** The worker's stable id when enrolling (default: the hostname). */
  machineId: string;
  /** Capabilities reported when enrolling (tasks may require them). */
  capabilities: string[];
  stateDir: string;
  statusIntervalMs: number;
  keepaliveSeconds: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** How long a message sent over MQTT waits for the control plane's receipt before it is sent again. */
  receiptTimeoutMs: number;
  /** How long a command waits for a first safety policy set before failing. */
  policyWaitMs: number;
  /** Local telemetry HTTP port (0 = ephemeral); undefined = disabled. */
  telemetryPort?: number;
  logLevel: LogLevel;
  /** Pinned base64 ed25519 key release manifests must be signed with; undefined = every update is refused. */
  updatePublicKey?: string;
  updateChannel: string;
  /** 0 = no scheduled update check. */
  updateCheckIntervalMs: number;
  updateScriptTimeoutMs: number;
  /** The directory the update scripts manage (default <stateDir>/install). */
  installDir: string;
  /** Programs that run `agent` commands (task pipelines' agent stages), by agent type name. */
  agentTypes: Record<string, string>;
  /** Labels reported when enrolling (stored on the host; labels an operator set win). */
  labels: Record<string, string>;
  /** Local runtime API address; undefined = not served (the runtime still answers the control plane). */
  runtimeApi?: { host: string; port: number };
  /** Workspace templates: `<templatesDir>/<name>/` (default <stateDir>/templates). */
  templatesDir: string;
  /** Range app ports are assigned from. */
  appPortRange: { from: number; to: number };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;
type Raw = Partial<Record<keyof AgentConfig, string>>;

interface Option {
  key: keyof AgentConfig;
  flag: string;
  env: string;
  arg: string;
  help: string;
  default?: string;
  /** The flag may be given several times: the values are joined with commas. */
  repeatable?: boolean;
}

/** Single source of truth for parsing and for --help. */
const OPTIONS: readonly Option[] = [
  {
    key: "apiUrl",
    flag: "--api-url",
    env: "EDGE_API_URL",
    arg: "<url>",
    help: "control plane REST base URL (required)",
  },
  {
    key: "mqttUrl",
    flag: "--mqtt-url",
    env: "EDGE_MQTT_URL",
    arg: "<url>",
    help: "MQTT broker URL, e.g. mqtt://host:1883 (required)",
  },
  {
    key: "grpcUrl",
    flag: "--grpc-url",
    env: "EDGE_GRPC_URL",
    arg: "<host:port>",
    help: "control plane gRPC endpoint (plaintext) for a real-time session, e.g. 127.0.0.1:50051; unset = MQTT only",
  },
  {
    key: "runtimeId",
    flag: "--runtime-id",
    env: "EDGE_RUNTIME_ID",
    arg: "<id>",
    help: "runtime identity id (required)",
  },
  {
    key: "bootstrapToken",
    flag: "--bootstrap-token",
    env: "EDGE_BOOTSTRAP_TOKEN",
    arg: "<token>",
    help: "one-time bootstrap token, needed only on first start (prefer the env var: flags show in ps)",
  },
  {
    key: "enrollToken",
    flag: "--enroll-token",
    env: "EDGE_ENROLL_TOKEN",
    arg: "<token>",
    help: "one-time worker token (wkt_...): enroll as a worker on first start instead of --runtime-id + --bootstrap-token",
  },
  {
    key: "machineId",
    flag: "--machine-id",
    env: "EDGE_MACHINE_ID",
    arg: "<id>",
    help: "stable worker id used when enrolling (default: the hostname)",
  },
  {
    key: "capabilities",
    flag: "--capabilities",
    env: "EDGE_CAPABILITIES",
    arg: "<a,b,...>",
    help: "capabilities reported when enrolling",
  },
  {
    key: "stateDir",
    flag: "--state-dir",
    env: "EDGE_STATE_DIR",
    arg: "<dir>",
    help: "directory of agent.db",
    default: "./edge-agent-state",
  },
  {
    key: "statusIntervalMs",
    flag: "--status-interval-ms",
    env: "EDGE_STATUS_INTERVAL_MS",
    arg: "<ms>",
    help: "status report period",
    default: "10000",
  },
  {
    key: "keepaliveSeconds",
    flag: "--keepalive-seconds",
    env: "EDGE_KEEPALIVE_SECONDS",
    arg: "<s>",
    help: "MQTT keepalive",
    default: "10",
  },
  {
    key: "reconnectMinMs",
    flag: "--reconnect-min-ms",
    env: "EDGE_RECONNECT_MIN_MS",
    arg: "<ms>",
    help: "first reconnect/retry delay",
    default: "500",
  },
  {
    key: "reconnectMaxMs",
    flag: "--reconnect-max-ms",
    env: "EDGE_RECONNECT_MAX_MS",
    arg: "<ms>",
    help: "longest reconnect/retry delay",
    default: "30000",
  },
  {
    key: "receiptTimeoutMs",
    flag: "--receipt-timeout-ms",
    env: "EDGE_RECEIPT_TIMEOUT_MS",
    arg: "<ms>",
    help: "how long a message sent over MQTT waits for the control plane's receipt before it is resent",
    default: "10000",
  },
  {
    key: "policyWaitMs",
    flag: "--policy-wait-ms",
    env: "EDGE_POLICY_WAIT_MS",
    arg: "<ms>",
    help: "how long commands wait for a first safety policy set",
    default: "30000",
  },
  {
    key: "telemetryPort",
    flag: "--telemetry-port",
    env: "EDGE_TELEMETRY_PORT",
    arg: "<port>",
    help: "local telemetry endpoint on 127.0.0.1 (0 = any free port, printed); unset = disabled",
  },
  {
    key: "agentTypes",
    flag: "--agent-type",
    env: "EDGE_AGENT_TYPES",
    arg: "<name=path,...>",
    help: "programs that run task `agent` stages, by agent type (e.g. default=/usr/local/bin/my-agent); they get the task as JSON on stdin",
  },
  {
    key: "labels",
    flag: "--label",
    env: "EDGE_LABELS",
    arg: "<key=value>",
    help: "a label of this host reported at enrollment, repeatable (EDGE_LABELS: site=berlin,role=picker); labels an operator set win",
    repeatable: true,
  },
  {
    key: "runtimeApi",
    flag: "--runtime-api",
    env: "EDGE_RUNTIME_API",
    arg: "<[host:]port>",
    help: "serve the workspace runtime API on this address (host default 127.0.0.1; port 0 = any free port, printed); bearer token in <state-dir>/runtime-api.token; unset = not served",
  },
  {
    key: "templatesDir",
    flag: "--templates-dir",
    env: "EDGE_TEMPLATES_DIR",
    arg: "<dir>",
    help: "workspace templates, one directory per template (default <state-dir>/templates)",
  },
  {
    key: "appPortRange",
    flag: "--app-port-range",
    env: "EDGE_APP_PORT_RANGE",
    arg: "<from-to>",
    help: "range dynamic app ports are assigned from",
    default: "20000-29999",
  },
  {
    key: "logLevel",
    flag: "--log-level",
    env: "EDGE_LOG_LEVEL",
    arg: "<level>",
    help: "info, debug or silent",
    default: "info",
  },
  {
    key: "updatePublicKey",
    flag: "--update-public-key",
    env: "EDGE_UPDATE_PUBLIC_KEY",
    arg: "<base64>",
    help: "pinned ed25519 public key release manifests must be signed with; unset = every update is refused",
  },
  {
    key: "updateChannel",
    flag: "--update-channel",
    env: "EDGE_UPDATE_CHANNEL",
    arg: "<name>",
    help: "release channel to follow",
    default: "stable",
  },
  {
    key: "updateCheckIntervalMs",
    flag: "--update-check-interval-ms",
    env: "EDGE_UPDATE_CHECK_INTERVAL_MS",
    arg: "<ms>",
    help: "period of the update check, also done once after connecting (only logs; applying needs a runtime.update command); 0 = never check",
    default: "3600000",
  },
  {
    key: "updateScriptTimeoutMs",
    flag: "--update-script-timeout-ms",
    env: "EDGE_UPDATE_SCRIPT_TIMEOUT_MS",
    arg: "<ms>",
    help: "timeout of each update script and of the health check",
    default: "300000",
  },
  {
    key: "installDir",
    flag: "--install-dir",
    env: "EDGE_INSTALL_DIR",
    arg: "<dir>",
    help: "directory managed by the update scripts, created empty if missing (default <state-dir>/install)",
  },
];

export type ParsedArgs = { action: "help" } | { action: "version" } | { action: "run"; config: AgentConfig };

/** Parses argv (without the executable and script) and env. Throws ConfigError on anything invalid. */
export function parseConfig(argv: readonly string[], env: Env = process.env): ParsedArgs {
  const fromFlags: Raw = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { action: "help" };
    if (arg === "--version" || arg === "-v") return { action: "version" };
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const option = OPTIONS.find((o) => o.flag === name);
    if (!option) throw new ConfigError(`unknown argument "${arg}" (see --help)`);
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new ConfigError(`${name} needs a value ${option.arg}`);
    }
    const earlier = fromFlags[option.key];
    fromFlags[option.key] = option.repeatable && earlier !== undefined ? `${earlier},${value}` : value;
  }
  const raw: Raw = {};
  for (const option of OPTIONS) {
    const envValue = env[option.env];
    raw[option.key] = fromFlags[option.key] ?? (envValue === "" ? undefined : envValue) ?? option.default;
  }
  return { action: "run", config: validate(raw) };
}

function validate(raw: Raw): AgentConfig {
  const config: AgentConfig = {
    apiUrl: url(raw, "apiUrl", ["http:", "https:"]).replace(/\/+$/, ""),
    mqttUrl: url(raw, "mqttUrl", ["mqtt:", "mqtts:", "tcp:", "ssl:", "tls:", "ws:", "wss:"]),
    grpcUrl: raw.grpcUrl === undefined ? undefined : hostPort(raw, "grpcUrl"),
    // Enrolling workers learn their runtime id from the control plane (stored with the identity).
    runtimeId: raw.enrollToken && !raw.runtimeId ? "" : runtimeId(raw),
    bootstrapToken: raw.bootstrapToken || undefined,
    enrollToken: raw.enrollToken || undefined,
    machineId: machineId(raw),
    capabilities: (raw.capabilities ?? "")
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean),
    stateDir: required(raw, "stateDir"),
    statusIntervalMs: int(raw, "statusIntervalMs", 100, 86_400_000),
    keepaliveSeconds: int(raw, "keepaliveSeconds", 1, 65_535),
    reconnectMinMs: int(raw, "reconnectMinMs", 1, 3_600_000),
    reconnectMaxMs: int(raw, "reconnectMaxMs", 1, 3_600_000),
    receiptTimeoutMs: int(raw, "receiptTimeoutMs", 100, 3_600_000),
    policyWaitMs: int(raw, "policyWaitMs", 0, 86_400_000),
    telemetryPort: raw.telemetryPort === undefined ? undefined : int(raw, "telemetryPort", 0, 65_535),
    logLevel: logLevel(raw),
    updatePublicKey: raw.updatePublicKey === undefined ? undefined : publicKey(raw),
    updateChannel: channel(raw),
    updateCheckIntervalMs: int(raw, "updateCheckIntervalMs", 0, 30 * 86_400_000),
    updateScriptTimeoutMs: int(raw, "updateScriptTimeoutMs", 100, 86_400_000),
    installDir: raw.installDir?.trim() ? raw.installDir : join(required(raw, "stateDir"), "install"),
    agentTypes: agentTypes(raw),
    labels: labels(raw),
    runtimeApi: raw.runtimeApi === undefined ? undefined : runtimeApi(raw),
    templatesDir: raw.templatesDir?.trim() ? raw.templatesDir : join(required(raw, "stateDir"), "templates"),
    appPortRange: portRange(raw),
  };
  if (config.reconnectMaxMs < config.reconnectMinMs) {
    throw new ConfigError(
      `${describe("reconnectMaxMs")} (${config.reconnectMaxMs}) must be >= ${describe("reconnectMinMs")} (${config.reconnectMinMs})`,
    );
  }
  return config;
}

function optionOf(key: keyof AgentConfig): Option {
  return OPTIONS.find((o) => o.key === key)!;
}

function describe(key: keyof AgentConfig): string {
  const option = optionOf(key);
  return `${option.flag} / ${option.env}`;
}

function required(raw: Raw, key: keyof AgentConfig): string {
  const value = raw[key];
  if (value === undefined || value.trim() === "") throw new ConfigError(`${describe(key)} is required`);
  return value;
}

function url(raw: Raw, key: keyof AgentConfig, protocols: readonly string[]): string {
  const value = required(raw, key);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${describe(key)} must be a URL, got "${value}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(
      `${describe(key)} must use ${protocols.map((p) => p.slice(0, -1)).join(", ")}, got "${value}"`,
    );
  }
  return value;
}

/** host:port (an IPv6 host in brackets). */
function hostPort(raw: Raw, key: keyof AgentConfig): string {
  const value = required(raw, key).trim();
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) throw new ConfigError(`${describe(key)} must be host:port, got "${value}"`);
  return value;
}

/** Used as MQTT client id and username: no topic wildcards or separators. */
function runtimeId(raw: Raw): string {
  const value = required(raw, "runtimeId");
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(value)) {
    throw new ConfigError(`${describe("runtimeId")} must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "${value}"`);
  }
  return value;
}

function int(raw: Raw, key: keyof AgentConfig, min: number, max: number): number {
  const value = required(raw, key);
  const parsed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${describe(key)} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

/** A base64 ed25519 public key (32 bytes). */
function publicKey(raw: Raw): string {
  const value = required(raw, "updatePublicKey").trim();
  const valid = /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, "base64").length === 32;
  if (!valid) throw new ConfigError(`${describe("updatePublicKey")} must be a base64 ed25519 public key (32 bytes)`);
  return value;
}

function channel(raw: Raw): string {
  const value = required(raw, "updateChannel");
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new ConfigError(`${describe("updateChannel")} must be 1-64 characters of A-Z a-z 0-9 . _ -, got "${value}"`);
  }
  return value;
}

function machineId(raw: Raw): string {
  const value = raw.machineId?.trim() || hostname();
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/.test(value))
    throw new ConfigError(`${describe("machineId")} must be 1-200 characters of A-Z a-z 0-9 . _ : -, got "${value}"`);
  return value;
}

function labels(raw: Raw): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (raw.labels ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new ConfigError(`${describe("labels")}: invalid label "${entry}": expected key=value`);
    const key = entry.slice(0, eq).trim();
    if (key in out) throw new ConfigError(`${describe("labels")}: label "${key}" given twice`);
    out[key] = entry.slice(eq + 1).trim();
  }
  const problem = labelsProblem(out);
  if (problem) throw new ConfigError(`${describe("labels")}: ${problem}`);
  return out;
}

function agentTypes(raw: Raw): Record<string, string> {
  try {
    return parseAgentTypes(raw.agentTypes);
  } catch (error) {
    throw new ConfigError(`${describe("agentTypes")}: ${(error as Error).message}`);
  }
}

function runtimeApi(raw: Raw): { host: string; port: number } {
  const value = required(raw, "runtimeApi").trim();
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port > 65_535) throw new ConfigError(`${describe("runtimeApi")} must be [host:]port, got "${value}"`);
  return { host: (match[1] ?? "127.0.0.1").replace(/^\[|\]$/g, ""), port };
}

function portRange(raw: Raw): { from: number; to: number } {
  const value = required(raw, "appPortRange");
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim());
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || from < 1 || to > 65_535 || from > to)
    throw new ConfigError(`${describe("appPortRange")} must be from-to within 1-65535, got "${value}"`);
  return { from, to };
}

function logLevel(raw: Raw): LogLevel {
  const value = required(raw, "logLevel");
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(`${describe("logLevel")} must be one of ${LOG_LEVELS.join(", ")}, got "${value}"`);
  }
  return value as LogLevel;
}

export function helpText(): string {
  const rows = OPTIONS.map((o) => [
    `${o.flag} ${o.arg}`,
    o.env,
    o.help + (o.default === undefined ? "" : ` (default ${o.default})`),
  ]);
  const widths = [0, 1].map((col) => Math.max(...rows.map((row) => row[col]!.length)));
  const table = rows.map(([flag, env, help]) => `  ${flag!.padEnd(widths[0]!)}  ${env!.padEnd(widths[1]!)}  ${help}`);
  return [
    `edge-agent ${AGENT_VERSION}: runs commands from the control plane over MQTT (and a gRPC session if configured), enforcing local safety policies.`,
    "",
    "Usage: edge-agent [options]",
    "",
    "Options (a flag wins over its environment variable; --name=value also works):",
    ...table,
    `  ${"-h, --help".padEnd(widths[0]!)}  ${"".padEnd(widths[1]!)}  print this help and exit`,
    `  ${"-v, --version".padEnd(widths[0]!)}  ${"".padEnd(widths[1]!)}  print the version and exit`,
    "",
    "Exit codes: 0 clean shutdown, 1 internal failure, 2 invalid configuration or state, 3 identity rejected by the control plane.",
  ].join("\n");
}

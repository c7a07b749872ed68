/**
 * The `app.runtime.yaml` manifest of a workspace: the apps the edge agent's runtime sets up, builds, starts and
 * supervises. Shared so that the control plane (or any client) validates a manifest exactly like the agent.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

export const MANIFEST_FILE = "app.runtime.yaml";
export const APP_NAME_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$";
const ENV_NAME = "^[A-Za-z_][A-Za-z0-9_]{0,127}$";
const Command = Type.String({ minLength: 1, maxLength: 4096 });

export const ManifestPortSchema = Type.Object(
  {
    /** Fixed port; omitted = assigned from the agent's port range, and kept across restarts. */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
    /** Environment variable the app reads it from (default PORT_<NAME>; the first port is also PORT). */
    env: Type.Optional(Type.String({ pattern: ENV_NAME })),
  },
  { additionalProperties: false },
);

export const ManifestHealthSchema = Type.Object(
  {
    /** GET http://127.0.0.1:<port><path> answers 2xx. */
    http: Type.Optional(
      Type.Object(
        {
          port: Type.String({ pattern: APP_NAME_PATTERN }),
          path: Type.Optional(Type.String({ pattern: "^/", maxLength: 1024 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** A TCP connection to 127.0.0.1:<port> succeeds. */
    tcp: Type.Optional(
      Type.Object({ port: Type.String({ pattern: APP_NAME_PATTERN }) }, { additionalProperties: false }),
    ),
    /** A shell command in the workspace exits 0. */
    command: Type.Optional(Command),
    intervalMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 3_600_000 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 600_000 })),
    /** How long a start may take to become healthy before it counts as a crash. */
    startTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);

export const ManifestRestartSchema = Type.Object(
  {
    /** always: restart whenever it exits; on-failure: only on a non-zero exit or failed health; never. */
    policy: Type.Optional(Type.Union([Type.Literal("always"), Type.Literal("on-failure"), Type.Literal("never")])),
    initialDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    factor: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
    /** Consecutive failed runs before the app is given up (phase `failed`). */
    maxRestarts: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    /** A run that stays up this long resets the backoff. */
    resetAfterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
  },
  { additionalProperties: false },
);

export const ManifestAppSchema = Type.Object(
  {
    setup: Type.Optional(Command),
    build: Type.Optional(Command),
    start: Command,
    /** Working directory relative to the workspace (default the workspace root). */
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    env: Type.Optional(Type.Record(Type.String({ pattern: ENV_NAME }), Type.String({ maxLength: 65_536 }))),
    ports: Type.Optional(Type.Record(Type.String({ pattern: APP_NAME_PATTERN }), ManifestPortSchema)),
    health: Type.Optional(ManifestHealthSchema),
    restart: Type.Optional(ManifestRestartSchema),
    /** Apps started (and healthy) before this one. */
    dependsOn: Type.Optional(Type.Array(Type.String({ pattern: APP_NAME_PATTERN }), { maxItems: 64 })),
    /** SIGTERM, then SIGKILL after this long (default 5000). */
    stopTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    /**
     * Resource caps of the app's start process, enforced by the OS where it can (memory: RLIMIT_AS via prlimit;
     * CPU: niceness via nice). A cap the machine cannot enforce refuses the start.
     */
    limits: Type.Optional(
      Type.Object(
        {
          memoryMb: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_048_576 })),
          nice: Type.Optional(Type.Integer({ minimum: 0, maximum: 19 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ManifestSchema = Type.Object(
  {
    version: Type.Optional(Type.Literal(1)),
    apps: Type.Record(Type.String({ pattern: APP_NAME_PATTERN }), ManifestAppSchema),
  },
  { additionalProperties: false },
);

export type Manifest = Static<typeof ManifestSchema>;
export type ManifestApp = Static<typeof ManifestAppSchema>;
export type ManifestHealth = Static<typeof ManifestHealthSchema>;

const MAX_APPS = 64;

/** The first problem of a parsed manifest, naming the field (`apps.web.health.http.port: ...`), or null. */
export function validateManifest(value: unknown): string | null {
  if (!Value.Check(ManifestSchema, value)) {
    const first = Value.Errors(ManifestSchema, value).First();
    if (!first) return "invalid manifest";
    const field = first.path.split("/").filter(Boolean).join(".") || "(root)";
    return `${field}: ${first.message}`;
  }
  const manifest = value as Manifest;
  const names = Object.keys(manifest.apps);
  if (names.length === 0) return "apps: at least one app is required";
  if (names.length > MAX_APPS) return `apps: at most ${MAX_APPS} apps`;
  const fixed = new Map<number, string>();
  for (const [name, app] of Object.entries(manifest.apps)) {
    for (const dep of app.dependsOn ?? []) {
      if (dep === name) return `apps.${name}.dependsOn: an app cannot depend on itself`;
      if (!manifest.apps[dep]) return `apps.${name}.dependsOn: unknown app "${dep}"`;
    }
    const ports = app.ports ?? {};
    for (const [portName, port] of Object.entries(ports)) {
      if (port.port === undefined) continue;
      const other = fixed.get(port.port);
      if (other) return `apps.${name}.ports.${portName}.port: ${port.port} is already used by ${other}`;
      fixed.set(port.port, `apps.${name}.ports.${portName}`);
    }
    const health = app.health;
    if (health) {
      const kinds = [health.http, health.tcp, health.command].filter((k) => k !== undefined).length;
      if (kinds !== 1) return `apps.${name}.health: exactly one of http, tcp or command is required`;
      const port = health.http?.port ?? health.tcp?.port;
      if (port !== undefined && !ports[port])
        return `apps.${name}.health.${health.http ? "http" : "tcp"}.port: "${port}" is not one of the app's ports`;
    }
    const restart = app.restart;
    if (
      restart?.initialDelayMs !== undefined &&
      restart.maxDelayMs !== undefined &&
      restart.maxDelayMs < restart.initialDelayMs
    )
      return `apps.${name}.restart.maxDelayMs: must be >= initialDelayMs`;
  }
  const cycle = findCycle(manifest);
  if (cycle) return `apps.${cycle[0]}.dependsOn: dependency cycle ${cycle.join(" -> ")}`;
  return null;
}

function findCycle(manifest: Manifest): string[] | null {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === "done") return null;
    if (state.get(name) === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const dep of manifest.apps[name]?.dependsOn ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, "done");
    return null;
  };
  for (const name of Object.keys(manifest.apps)) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return null;
}

/** yaml is loaded on the first manifest parsed, not when this module is: the agent rarely parses one (README, agent footprint). */
const parseYaml = (text: string, options: { maxAliasCount: number }): unknown =>
  (require("yaml") as typeof import("yaml")).parse(text, options);

/** The largest manifest text accepted (agent and control plane alike). */
export const MAX_MANIFEST_BYTES = 256 * 1024;

/**
 * Parses and validates a manifest's YAML text, exactly as the agent reads `app.runtime.yaml`: the manifest, or the
 * first problem (`not valid YAML: ...`, `apps.worker.dependsOn: unknown app "db"`).
 */
export function parseManifestText(text: string): { manifest: Manifest } | { error: string } {
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) return { error: `larger than ${MAX_MANIFEST_BYTES} bytes` };
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    return { error: `not valid YAML: ${error instanceof Error ? error.message : String(error)}` };
  }
  const problem = validateManifest(parsed);
  return problem ? { error: problem } : { manifest: parsed as Manifest };
}

/** The resource types `get` and `describe` know: where they are listed and fetched, and their table columns. */
import type { Api } from "./client.ts";
import { CliError, UsageError } from "./errors.ts";
import { age, type Column } from "./output.ts";
import type { Invocation } from "./verb.ts";

export type { Row } from "./client.ts";
import type { Row } from "./client.ts";

export interface ResourceType {
  /** Plural first, then aliases. */
  names: string[];
  list(api: Api, inv: Invocation): Promise<Row[]>;
  get(api: Api, ref: string): Promise<Row>;
  columns: Column<Row>[];
  /** What `-o name` prints. */
  name(row: Row): string;
}

const items = (body: Row) => (Array.isArray(body?.items) ? (body.items as Row[]) : []);
const flag = (inv: Invocation, name: string) => inv.flags[name] as string | undefined;
const limit = (inv: Invocation) => {
  const value = flag(inv, "limit");
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new UsageError("--limit must be an integer from 1 to 200");
  return n;
};

/** An id (`host_...`) is used as is; anything else is looked up by name in the list. */
async function byName(api: Api, kind: string, listPath: string, idPrefix: string, ref: string, field = "name") {
  if (ref.startsWith(idPrefix)) return ref;
  const matches = items(await api.get(listPath)).filter((r) => r[field] === ref);
  if (matches.length === 0) throw new CliError(`no ${kind} named "${ref}"`);
  if (matches.length > 1) throw new CliError(`${matches.length} ${kind}s are named "${ref}": use the id`);
  return matches[0]!.id as string;
}

export const resolveHost = (api: Api, ref: string) => byName(api, "host", "/api/v1/hosts", "host_", ref);

const HOSTS: ResourceType = {
  names: ["hosts", "host", "h"],
  list: async (api, inv) => items(await api.get("/api/v1/hosts", { status: flag(inv, "status") })),
  get: async (api, ref) => api.get(`/api/v1/hosts/${encodeURIComponent(await resolveHost(api, ref))}`),
  columns: [
    { header: "ID", value: (r) => r.id },
    { header: "NAME", value: (r) => r.name },
    { header: "STATUS", value: (r) => r.status },
    { header: "ENVIRONMENT", value: (r) => r.environmentId },
    { header: "VERSION", value: (r) => r.agentVersion },
    { header: "DRAINING", value: (r) => (r.draining ? "yes" : "no") },
    { header: "LAST SEEN", value: (r) => (r.lastSeenAt ? age(r.lastSeenAt) : "-") },
  ],
  name: (r) => r.name,
};

const MACHINES: ResourceType = {
  names: ["machines", "machine", "m"],
  list: async (api) => items(await api.get("/api/web/machines")),
  get: async (api, ref) => api.get(`/api/web/machines/${encodeURIComponent(await resolveHost(api, ref))}`),
  columns: [
    { header: "ID", value: (r) => r.id },
    { header: "NAME", value: (r) => r.name },
    { header: "STATUS", value: (r) => r.status },
    { header: "STATE", value: (r) => (r.draining ? `${r.state ?? "active"} (draining)` : r.state) },
    { header: "TASKS", value: (r) => `${r.activeTasks ?? 0}/${r.maxConcurrentTasks ?? 1}` },
    { header: "CAPABILITIES", value: (r) => r.capabilities },
    { header: "LABELS", value: (r) => r.labels },
  ],
  name: (r) => r.name,
};

const COMMANDS: ResourceType = {
  names: ["commands", "command", "cmd"],
  list: async (api, inv) => {
    const host = flag(inv, "host");
    return items(
      await api.get("/api/v1/commands", {
        hostId: host ? await resolveHost(api, host) : undefined,
        status: flag(inv, "status"),
        limit: limit(inv),
      }),
    );
  },
  get: (api, ref) => api.get(`/api/v1/commands/${encodeURIComponent(ref)}`),
  columns: [
    { header: "ID", value: (r) => r.id },
    { header: "HOST", value: (r) => r.hostId },
    { header: "KIND", value: (r) => r.kind },
    { header: "STATUS", value: (r) => r.status },
    { header: "AGE", value: (r) => age(r.createdAt) },
    { header: "ERROR", value: (r) => r.error },
  ],
  name: (r) => r.id,
};

const TASKS: ResourceType = {
  names: ["tasks", "task", "t"],
  list: async (api, inv) => {
    const machine = flag(inv, "host");
    return items(
      await api.get("/api/web/tasks", {
        status: flag(inv, "status"),
        projectKey: flag(inv, "project"),
        machineId: machine ? await resolveHost(api, machine) : undefined,
        limit: limit(inv),
      }),
    );
  },
  get: (api, ref) => api.get(`/api/web/tasks/${encodeURIComponent(ref)}`),
  columns: [
    { header: "ID", value: (r) => r.id },
    { header: "STATUS", value: (r) => r.status },
    { header: "STAGE", value: (r) => (r.currentStage ? `${r.currentStage.index}:${r.currentStage.name}` : "-") },
    { header: "MACHINE", value: (r) => r.machineId },
    { header: "PROMPT", value: (r) => (typeof r.prompt === "string" ? r.prompt.slice(0, 40) : r.prompt) },
    { header: "AGE", value: (r) => age(r.createdAt) },
  ],
  name: (r) => r.id,
};

const PROJECTS: ResourceType = {
  names: ["projects", "project", "p"],
  list: async (api) => items(await api.get("/api/web/projects")),
  get: (api, ref) => api.get(`/api/web/projects/${encodeURIComponent(ref)}`),
  columns: [
    { header: "KEY", value: (r) => r.key },
    { header: "NAME", value: (r) => r.name },
    { header: "STAGES", value: (r) => (Array.isArray(r.pipeline) ? r.pipeline.map((s: Row) => s.name) : "-") },
    { header: "AGENT TYPE", value: (r) => r.agentType },
    { header: "AGE", value: (r) => age(r.createdAt) },
  ],
  name: (r) => r.key,
};

const POLICIES: ResourceType = {
  names: ["policies", "policy", "safety-policies", "pol"],
  list: async (api) => items(await api.get("/api/v1/safety-policies")),
  get: async (api, ref) =>
    api.get(
      `/api/v1/safety-policies/${encodeURIComponent(await byName(api, "policy", "/api/v1/safety-policies", "pol_", ref))}`,
    ),
  columns: [
    { header: "ID", value: (r) => r.id },
    { header: "NAME", value: (r) => r.name },
    { header: "ENABLED", value: (r) => (r.enabled ? "yes" : "no") },
    { header: "VERSION", value: (r) => r.version },
    { header: "AGE", value: (r) => age(r.createdAt) },
  ],
  name: (r) => r.name,
};

const RELEASES: ResourceType = {
  names: ["releases", "release", "rel"],
  list: async (api, inv) => {
    const body = await api.get("/api/v1/releases", { channel: flag(inv, "channel") });
    return Array.isArray(body) ? body : items(body);
  },
  get: async (api, ref) => {
    const body = await api.get("/api/v1/releases");
    const all = Array.isArray(body) ? body : items(body);
    const found = all.find((r) => r.id === ref) ?? all.find((r) => r.version === ref);
    if (!found) throw new CliError(`no release "${ref}"`);
    return found;
  },
  columns: [
    { header: "ID", value: (r) => r.id },
    { header: "CHANNEL", value: (r) => r.channel },
    { header: "VERSION", value: (r) => r.version },
    { header: "SCRIPTS", value: (r) => (Array.isArray(r.scripts) ? r.scripts.length : "-") },
    { header: "EXPIRES", value: (r) => r.expiresAt },
    { header: "AGE", value: (r) => age(r.createdAt) },
  ],
  name: (r) => r.version,
};

const ENVIRONMENTS: ResourceType = {
  names: ["environments", "environment", "env"],
  list: async (api) => items(await api.get("/api/v1/environments")),
  get: async (api, ref) =>
    api.get(
      `/api/v1/environments/${encodeURIComponent(await byName(api, "environment", "/api/v1/environments", "env_", ref))}`,
    ),
  columns: [
    { header: "ID", value: (r) => r.id },
    { header: "NAME", value: (r) => r.name },
    { header: "POLICIES", value: (r) => r.safetyPolicyIds },
    { header: "AGE", value: (r) => age(r.createdAt) },
  ],
  name: (r) => r.name,
};

const TRIGGERS: ResourceType = {
  names: ["triggers", "trigger", "trg"],
  list: async (api) => items(await api.get("/api/v1/triggers")),
  get: async (api, ref) => {
    const all = items(await api.get("/api/v1/triggers"));
    const found = all.find((r) => r.id === ref) ?? all.find((r) => r.name === ref);
    if (!found) throw new CliError(`no trigger "${ref}"`);
    return found;
  },
  columns: [
    { header: "ID", value: (r) => r.id },
    { header: "NAME", value: (r) => r.name },
    { header: "KIND", value: (r) => r.kind },
    { header: "SCHEDULE/EVENT", value: (r) => r.schedule ?? r.event },
    { header: "ENABLED", value: (r) => (r.enabled ? "yes" : "no") },
    { header: "NEXT", value: (r) => r.nextFireAt },
  ],
  name: (r) => r.name,
};

export const RESOURCES = [HOSTS, MACHINES, COMMANDS, TASKS, PROJECTS, POLICIES, RELEASES, ENVIRONMENTS, TRIGGERS];

export function resourceType(name: string): ResourceType {
  const type = RESOURCES.find((r) => r.names.includes(name.toLowerCase()));
  if (!type) throw new UsageError(`unknown resource type "${name}" (${RESOURCES.map((r) => r.names[0]).join(", ")})`);
  return type;
}

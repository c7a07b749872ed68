/**
 * apply -f: declarative and idempotent. Each YAML document is `{kind, name (key for a Project), spec}`; what exists
 * is compared with the spec (the fields it gives, key order ignored) and only a difference is written. Policies are
 * applied first, then environments (which may name policies in `spec.safetyPolicies`), projects, then triggers.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import YAML from "yaml";
import { Api, type Reply, type RequestOptions, type Row } from "../client.ts";
import { ApiError, CliError, UsageError } from "../errors.ts";
import { out, printData, Progress } from "../output.ts";
import type { Verb } from "../verb.ts";

const KINDS = ["SafetyPolicy", "Environment", "Project", "Trigger"] as const;
type Kind = (typeof KINDS)[number];
const ALIASES: Record<string, Kind> = {
  safetypolicy: "SafetyPolicy",
  policy: "SafetyPolicy",
  environment: "Environment",
  project: "Project",
  trigger: "Trigger",
};

interface Document {
  kind: Kind;
  name: string;
  spec: Row;
  source: string;
}

export type Outcome = "created" | "updated" | "unchanged" | "pending approval";

/** Deep equality with object key order ignored. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((v, i) => same(v, other[i]));
  }
  const ak = Object.keys(a as Row).filter((k) => (a as Row)[k] !== undefined);
  const bk = Object.keys(b as Row).filter((k) => (b as Row)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => same((a as Row)[k], (b as Row)[k]));
}

/** The spec fields whose value differs from the current object's. */
function differing(
  spec: Row,
  current: Row,
  compare: (field: string, want: unknown, have: unknown) => boolean = (_field, want, have) => same(want, have),
) {
  return Object.keys(spec).filter((field) => !compare(field, spec[field], current[field] ?? defaults[field]));
}
/** Fields the API stores as empty when they are not given. */
const defaults: Row = { description: "", tools: [], config: {}, settings: {}, safetyPolicyIds: [], repoUrl: null };

function files(paths: string[]): string[] {
  const found: string[] = [];
  for (const path of paths) {
    if (path === "-") {
      found.push(path);
      continue;
    }
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      throw new CliError(`${path}: no such file or directory`);
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort())
        if ([".yaml", ".yml", ".json"].includes(extname(name))) found.push(join(path, name));
    } else found.push(path);
  }
  return found;
}

export function parseDocuments(text: string, source: string): Document[] {
  const docs: Document[] = [];
  for (const [i, doc] of YAML.parseAllDocuments(text).entries()) {
    const where = `${source} (document ${i + 1})`;
    if (doc.errors.length) throw new CliError(`${where}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Row | null;
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) throw new CliError(`${where}: must be a mapping`);
    const kind = ALIASES[String(value.kind ?? "").toLowerCase()];
    if (!kind) throw new CliError(`${where}: kind must be one of ${KINDS.join(", ")}`);
    const name = kind === "Project" ? (value.key ?? value.name) : value.name;
    if (typeof name !== "string" || !name)
      throw new CliError(`${where}: ${kind === "Project" ? "key" : "name"} is required`);
    const spec = value.spec ?? {};
    if (typeof spec !== "object" || Array.isArray(spec)) throw new CliError(`${where}: spec must be a mapping`);
    const extra = Object.keys(value).filter((k) => !["kind", "name", "key", "spec"].includes(k));
    if (extra.length)
      throw new CliError(`${where}: unknown field "${extra[0]}" (put the resource's fields under spec)`);
    docs.push({ kind, name, spec, source: where });
  }
  return docs;
}

const items = (body: Row) => (Array.isArray(body?.items) ? (body.items as Row[]) : []);

async function applyPolicy(api: Api, doc: Document): Promise<[Outcome, string]> {
  const current = items(await api.get("/api/v1/safety-policies")).find((p) => p.name === doc.name);
  if (!current) return ["created", (await api.post("/api/v1/safety-policies", { ...doc.spec, name: doc.name })).id];
  if (differing(doc.spec, current).length === 0) return ["unchanged", current.id];
  const reply = await api.request("PUT", `/api/v1/safety-policies/${current.id}`, { body: doc.spec });
  return [reply.status === 202 ? "pending approval" : "updated", current.id];
}

async function applyEnvironment(api: Api, doc: Document): Promise<[Outcome, string]> {
  const { safetyPolicies, ...spec } = doc.spec;
  if (safetyPolicies !== undefined) {
    if (!Array.isArray(safetyPolicies))
      throw new CliError(`${doc.source}: spec.safetyPolicies must be a list of names`);
    const policies = items(await api.get("/api/v1/safety-policies"));
    spec.safetyPolicyIds = safetyPolicies.map((name) => {
      const policy = policies.find((p) => p.name === name || p.id === name);
      if (!policy && api instanceof DryRunApi) return `(${name}, not created yet)`;
      if (!policy) throw new CliError(`${doc.source}: no safety policy named "${name}"`);
      return policy.id as string;
    });
  }
  const current = items(await api.get("/api/v1/environments")).find((e) => e.name === doc.name);
  if (!current) return ["created", (await api.post("/api/v1/environments", { ...spec, name: doc.name })).id];
  const changed = differing(spec, current, (field, want, have) =>
    field === "safetyPolicyIds" && Array.isArray(want) && Array.isArray(have)
      ? same([...want].sort(), [...have].sort())
      : same(want, have),
  );
  if (changed.length === 0) return ["unchanged", current.id];
  await api.put(`/api/v1/environments/${current.id}`, spec);
  return ["updated", current.id];
}

async function applyProject(api: Api, doc: Document): Promise<[Outcome, string]> {
  const spec = { name: doc.name, ...doc.spec };
  const reply = await api.request<Row>("GET", `/api/web/projects/${encodeURIComponent(doc.name)}`, { allow: [404] });
  if (reply.status === 404) {
    await api.post("/api/admin/projects", { ...spec, key: doc.name });
    return ["created", doc.name];
  }
  if (differing(spec, reply.body).length === 0) return ["unchanged", doc.name];
  await api.put(`/api/admin/projects/${encodeURIComponent(doc.name)}`, spec);
  return ["updated", doc.name];
}

/** Triggers cannot be changed in place: a changed one is deleted and created again (it gets a new id). */
async function applyTrigger(api: Api, doc: Document): Promise<[Outcome, string]> {
  const current = items(await api.get("/api/v1/triggers")).find((t) => t.name === doc.name);
  if (current && differing(doc.spec, current, (_f, want, have) => same(want, have ?? undefined)).length === 0)
    return ["unchanged", current.id];
  const created = await api.post("/api/v1/triggers", { ...doc.spec, name: doc.name });
  if (current) await api.delete(`/api/v1/triggers/${current.id}`);
  return [current ? "updated" : "created", created.id];
}

/** Reads like Api and writes nothing: `apply --dry-run` reports what would change. */
class DryRunApi extends Api {
  override async request<T = Row>(method: string, path: string, opts: RequestOptions = {}): Promise<Reply<T>> {
    if (method === "GET") return super.request<T>(method, path, opts);
    return { status: 200, body: { id: "(dry run)" } as T, headers: new Headers() };
  }
}

const APPLY: Record<Kind, (api: Api, doc: Document) => Promise<[Outcome, string]>> = {
  SafetyPolicy: applyPolicy,
  Environment: applyEnvironment,
  Project: applyProject,
  Trigger: applyTrigger,
};

export const applyVerbs: Verb[] = [
  {
    name: "apply",
    summary: "Create or update policies, environments, projects and triggers from YAML (idempotent)",
    maxArgs: 0,
    description: `
Each document (several per file, separated by ---) is {kind, name, spec}; a Project has key instead of name.
kind: SafetyPolicy | Environment | Project | Trigger. spec holds the API's fields (an Environment may list policy
names in spec.safetyPolicies). Only what differs is written; each document reports created, updated, unchanged
(or "pending approval" for a loosening policy change under the two-person rule). A changed trigger is replaced.

  kind: SafetyPolicy
  name: lab-exec
  spec:
    rules: { exec: { allowedCommands: [echo, uptime] } }
  ---
  kind: Environment
  name: lab
  spec: { safetyPolicies: [lab-exec] }`,
    flags: {
      filename: {
        type: "string",
        short: "f",
        multiple: true,
        value: "FILE",
        description: "YAML/JSON file, directory of them, or - for stdin (repeatable)",
      },
      "dry-run": { type: "boolean", description: "report what would be created or updated, change nothing" },
    },
    async run(inv) {
      const paths = (inv.flags.filename as string[] | undefined) ?? [];
      if (paths.length === 0) throw new UsageError("-f FILE is required");
      const docs: Document[] = [];
      for (const file of files(paths)) {
        const text = file === "-" ? await new Response(Bun.stdin.stream()).text() : readFileSync(file, "utf8");
        docs.push(...parseDocuments(text, file === "-" ? "stdin" : file));
      }
      if (docs.length === 0) throw new CliError("nothing to apply: no documents");
      const seen = new Set<string>();
      for (const doc of docs) {
        const id = `${doc.kind}/${doc.name}`;
        if (seen.has(id)) throw new CliError(`${doc.source}: ${id} appears twice`);
        seen.add(id);
      }
      docs.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind));
      const dryRun = Boolean(inv.flags["dry-run"]);
      const api = dryRun ? new DryRunApi(inv.session()) : inv.api();
      const results: { kind: Kind; name: string; outcome: Outcome | "failed"; id?: string; error?: string }[] = [];
      const progress = new Progress();
      let failed = false;
      for (const [i, doc] of docs.entries()) {
        progress.count(i, docs.length, `${doc.kind}/${doc.name}`);
        try {
          const [outcome, id] = await APPLY[doc.kind](api, doc);
          results.push({ kind: doc.kind, name: doc.name, outcome, id });
          if (inv.format === "table") {
            progress.stop();
            out(
              `${doc.kind.toLowerCase()}/${doc.name} ${outcome}${dryRun && outcome !== "unchanged" ? " (dry run)" : ""}`,
            );
          }
        } catch (error) {
          failed = true;
          const message = error instanceof ApiError || error instanceof CliError ? error.message : String(error);
          results.push({ kind: doc.kind, name: doc.name, outcome: "failed", error: message });
          progress.stop();
          process.stderr.write(`edgectl: ${doc.kind.toLowerCase()}/${doc.name}: ${message}\n`);
        }
      }
      progress.stop();
      if (inv.format === "json" || inv.format === "yaml") printData(results, inv.format);
      else if (inv.format === "name") out(results.map((r) => `${r.kind.toLowerCase()}/${r.name}`).join("\n"));
      else if (docs.length > 1) {
        const count = (o: string) => results.filter((r) => r.outcome === o).length;
        process.stderr.write(
          `${docs.length} documents: ${count("created")} created, ${count("updated")} updated, ${count("unchanged")} unchanged${failed ? `, ${count("failed")} failed` : ""}\n`,
        );
      }
      return failed ? 1 : 0;
    },
  },
];

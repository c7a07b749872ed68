/**
 * Pipelines: ordered stages, validated strictly (every problem is a 400 naming the stage), and the templating
 * that feeds earlier stages' results into later ones: `{{stages.<name>.result}}`, `{{task.prompt}}`.
 */
import type { PipelineStage } from "../../db/schema";
import { isJsonObject } from "@edge/proto/json";
import { invalid } from "../../lib/errors";

export const MAX_STAGES = 50;
const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const COMMAND_KIND = /^[a-z][a-z0-9_.-]{0,99}$/;
const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

const isObject = isJsonObject;

/** The placeholders a value uses (recursively through objects and arrays). */
function placeholders(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") for (const m of value.matchAll(PLACEHOLDER)) out.push(m[1]!);
  else if (Array.isArray(value)) for (const v of value) placeholders(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) placeholders(v, out);
  return out;
}

/** Checks a pipeline and returns it typed; throws 400 with the first problem. */
/** Longest stage deadline (as for commands: 30 days). */
const MAX_TTL_SECONDS = 30 * 24 * 3600;

export function validatePipeline(input: unknown): PipelineStage[] {
  if (!Array.isArray(input)) throw invalid("invalid pipeline: must be an array of stages");
  if (input.length === 0) throw invalid("invalid pipeline: needs at least one stage");
  if (input.length > MAX_STAGES) throw invalid(`invalid pipeline: at most ${MAX_STAGES} stages`);
  const seen = new Set<string>();
  return input.map((stage, i) => {
    const where = `invalid pipeline: stage ${i}`;
    if (!isObject(stage)) throw invalid(`${where}: must be an object`);
    const { name, kind } = stage;
    if (typeof name !== "string" || !NAME.test(name)) throw invalid(`${where}: name must match ${NAME.source}`);
    if (seen.has(name)) throw invalid(`${where}: duplicate stage name "${name}"`);
    const allowed = (keys: string[]) => {
      const extra = Object.keys(stage).filter((k) => !["name", "kind", ...keys].includes(k));
      if (extra.length) throw invalid(`${where} (${name}): unknown field "${extra[0]}"`);
    };
    const idempotent = stage.idempotent;
    if (idempotent !== undefined && typeof idempotent !== "boolean")
      throw invalid(`${where} (${name}): idempotent must be a boolean`);
    // Deadline of the stage's command: not started within ttlSeconds of being dispatched, it never runs (expired).
    const ttlSeconds = stage.ttlSeconds;
    if (
      ttlSeconds !== undefined &&
      (!Number.isInteger(ttlSeconds) || (ttlSeconds as number) < 1 || (ttlSeconds as number) > MAX_TTL_SECONDS)
    ) {
      throw invalid(`${where} (${name}): ttlSeconds must be an integer between 1 and ${MAX_TTL_SECONDS}`);
    }
    const deadline = ttlSeconds !== undefined ? { ttlSeconds: ttlSeconds as number } : {};
    let out: PipelineStage;
    if (kind === "command") {
      allowed(["command", "idempotent", "ttlSeconds"]);
      const command = stage.command;
      if (!isObject(command))
        throw invalid(`${where} (${name}): command must be an object {kind, params?, timeoutMs?}`);
      const extra = Object.keys(command).filter((k) => !["kind", "params", "timeoutMs"].includes(k));
      if (extra.length) throw invalid(`${where} (${name}): unknown command field "${extra[0]}"`);
      if (typeof command.kind !== "string" || !COMMAND_KIND.test(command.kind))
        throw invalid(`${where} (${name}): command.kind must match ${COMMAND_KIND.source}`);
      if (command.kind === "agent")
        throw invalid(`${where} (${name}): use a stage of kind "agent" to run the project's agent`);
      if (command.params !== undefined && !isObject(command.params))
        throw invalid(`${where} (${name}): command.params must be an object`);
      const timeout = command.timeoutMs;
      if (
        timeout !== undefined &&
        (!Number.isInteger(timeout) || (timeout as number) < 1 || (timeout as number) > 86_400_000)
      ) {
        throw invalid(`${where} (${name}): command.timeoutMs must be an integer between 1 and 86400000`);
      }
      out = {
        name,
        kind,
        command: {
          kind: command.kind,
          ...(command.params ? { params: command.params as Record<string, unknown> } : {}),
          ...(timeout ? { timeoutMs: timeout as number } : {}),
        },
        ...(idempotent !== undefined ? { idempotent } : {}),
        ...deadline,
      };
    } else if (kind === "confirm") {
      allowed(["prompt", "options", "input"]);
      if (typeof stage.prompt !== "string" || stage.prompt.length === 0 || stage.prompt.length > 5000)
        throw invalid(`${where} (${name}): prompt must be a non-empty string (at most 5000 characters)`);
      const options = stage.options;
      if (
        options !== undefined &&
        (!Array.isArray(options) ||
          options.length === 0 ||
          options.length > 50 ||
          options.some((o) => typeof o !== "string" || o.length === 0 || o.length > 200) ||
          new Set(options).size !== options.length)
      ) {
        throw invalid(`${where} (${name}): options must be 1-50 distinct non-empty strings`);
      }
      const input = stage.input;
      if (input !== undefined) {
        if (
          !isObject(input) ||
          input.type !== "string" ||
          Object.keys(input).some((k) => !["type", "description", "maxLength"].includes(k))
        ) {
          throw invalid(`${where} (${name}): input must be {type: "string", description?, maxLength?}`);
        }
        if (
          input.maxLength !== undefined &&
          (!Number.isInteger(input.maxLength) ||
            (input.maxLength as number) < 1 ||
            (input.maxLength as number) > 100_000)
        ) {
          throw invalid(`${where} (${name}): input.maxLength must be an integer between 1 and 100000`);
        }
        if (input.description !== undefined && typeof input.description !== "string")
          throw invalid(`${where} (${name}): input.description must be a string`);
        if (options) throw invalid(`${where} (${name}): give options or input, not both`);
      }
      out = {
        name,
        kind,
        prompt: stage.prompt,
        ...(options ? { options: options as string[] } : {}),
        ...(input ? { input: input as { type: "string" } } : {}),
      };
    } else if (kind === "agent") {
      allowed(["timeoutMs", "idempotent", "ttlSeconds"]);
      const timeout = stage.timeoutMs;
      if (
        timeout !== undefined &&
        (!Number.isInteger(timeout) || (timeout as number) < 1 || (timeout as number) > 86_400_000)
      ) {
        throw invalid(`${where} (${name}): timeoutMs must be an integer between 1 and 86400000`);
      }
      out = {
        name,
        kind,
        ...(timeout ? { timeoutMs: timeout as number } : {}),
        ...(idempotent !== undefined ? { idempotent } : {}),
        ...deadline,
      };
    } else {
      throw invalid(`${where} (${name}): kind must be command, confirm or agent`);
    }
    // Templates may only use the task and stages that ran before this one.
    for (const ref of placeholders(stage)) {
      const m = /^stages\.([a-z][a-z0-9_-]*)\.result$/.exec(ref);
      if (ref === "task.prompt" || ref === "task.id") continue;
      if (!m)
        throw invalid(
          `${where} (${name}): unknown placeholder {{${ref}}} (use {{stages.<name>.result}}, {{task.prompt}} or {{task.id}})`,
        );
      if (!seen.has(m[1]!))
        throw invalid(`${where} (${name}): {{${ref}}} refers to a stage that does not run before this one`);
    }
    seen.add(name);
    return out;
  });
}

export interface TemplateContext {
  task: { id: string; prompt: string };
  stages: Record<string, string>;
}

/** Fills placeholders in every string of `value` (objects and arrays recursively). */
export function render<T>(value: T, ctx: TemplateContext): T {
  if (typeof value === "string") {
    return value.replace(PLACEHOLDER, (_, ref: string) => {
      if (ref === "task.prompt") return ctx.task.prompt;
      if (ref === "task.id") return ctx.task.id;
      const m = /^stages\.([a-z][a-z0-9_-]*)\.result$/.exec(ref);
      return m ? (ctx.stages[m[1]!] ?? "") : "";
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => render(v, ctx)) as T;
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, ctx)])) as T;
  return value;
}

/** The default pipeline of a task created without a project: run the agent on the prompt. */
export const DEFAULT_PIPELINE: PipelineStage[] = [{ name: "agent", kind: "agent" }];

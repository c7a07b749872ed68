/** Checks an incoming Command before the safety policy sees it: age, params JSON, known kind, params schema. */
import { checkParams, type CommandKind } from "../commands/kind.ts";
import type { CommandRegistry } from "../commands/registry.ts";
import { parseJsonObject } from "@edge/proto/json";
import type { Command } from "@edge/proto/wire";

/** Finished command ids are remembered this long; older commands are refused so none can run twice. */
export const DEDUPE_RETENTION_MS = 30 * 24 * 3_600_000;

export interface PreparedCommand {
  id: string;
  kind: CommandKind;
  params: Record<string, unknown>;
  /** As sent; 0 = the kind's default. */
  timeoutMs: number;
  /** Deadline to start by (ms since the epoch); 0 = none. */
  notAfterMs: number;
}

export type Preparation = { ok: true; command: PreparedCommand } | { ok: false; error: string };

export function prepareCommand(command: Command, registry: CommandRegistry, nowMs = Date.now()): Preparation {
  if (command.createdAtMs > 0 && nowMs - command.createdAtMs > DEDUPE_RETENTION_MS) {
    return {
      ok: false,
      error: `command is older than the agent's ${DEDUPE_RETENTION_MS / 86_400_000}-day dedupe window; not executed`,
    };
  }
  const params = parseParams(command.paramsJson);
  if (typeof params === "string") return { ok: false, error: `malformed params_json: ${params}` };
  const kind = registry.get(command.kind);
  if (!kind) return { ok: false, error: `unknown command kind ${command.kind}` };
  const problem = checkParams(kind, params);
  if (problem) return { ok: false, error: `invalid params for ${command.kind}: ${problem}` };
  return {
    ok: true,
    command: { id: command.id, kind, params, timeoutMs: command.timeoutMs, notAfterMs: command.notAfterMs ?? 0 },
  };
}

/** The params object, or a description of what is wrong. Empty = {}. */
function parseParams(json: string): Record<string, unknown> | string {
  if (json.trim() === "") return {};
  const parsed = parseJsonObject(json);
  return parsed.ok ? parsed.value : parsed.reason;
}

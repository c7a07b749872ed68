/**
 * `agent`: runs the program configured on this worker for an agent type (`--agent-type name=path`), the way
 * task pipelines' `agent` stages do. The program gets the task on stdin as JSON
 * `{taskId, stage, prompt, stages: {<name>: <result>}}` (and TASK_ID / TASK_PROMPT in its environment); its
 * stdout/stderr lines stream like exec output, and its stdout becomes the stage result. Exit code 0 = success.
 */
import { Type } from "@sinclair/typebox";
import { runProcess } from "./exec.ts";
import { defineCommand } from "./kind.ts";

export const AGENT_DEFAULT_TIMEOUT_MS = 3_600_000;

export function agentRunCommand(agentTypes: Readonly<Record<string, string>>) {
  return defineCommand({
    kind: "agent",
    params: Type.Object(
      {
        agentType: Type.String({ minLength: 1 }),
        prompt: Type.String(),
        taskId: Type.Optional(Type.String()),
        stage: Type.Optional(Type.String()),
        stages: Type.Optional(Type.Record(Type.String(), Type.String())),
      },
      { additionalProperties: false },
    ),
    defaultTimeoutMs: () => AGENT_DEFAULT_TIMEOUT_MS,
    async run({ agentType, prompt, taskId = "", stage = "", stages = {} }, ctx) {
      const program = agentTypes[agentType];
      if (!program) {
        const known = Object.keys(agentTypes);
        return {
          ok: false,
          error: `agent type "${agentType}" is not configured on this worker (${known.length ? `configured: ${known.join(", ")}` : "none configured; see --agent-type"})`,
        };
      }
      const stdin = JSON.stringify({ taskId, stage, prompt, stages });
      return runProcess([program], { env: { TASK_ID: taskId, TASK_PROMPT: prompt }, stdin }, ctx);
    },
  });
}

/** Parses `name=path[,name=path...]`; throws a readable message on anything else. */
export function parseAgentTypes(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf("=");
    const name = entry.slice(0, eq).trim();
    const path = entry.slice(eq + 1).trim();
    if (eq <= 0 || !path || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
      throw new Error(`invalid agent type "${entry}": expected name=path`);
    out[name] = path;
  }
  return out;
}

/**
 * `agent`: a task pipeline's `agent` stage. It runs through the workspace runtime's agent-run runner
 * (runtime/runs.ts, the one way a prompt runs on a machine): the program configured for the agent type
 * (`--agent-type name=path`) gets `{runId, prompt, agentType, taskId, stage, stages: {<name>: <result>}}` on stdin
 * (TASK_ID / TASK_PROMPT / RUN_ID in its environment); its output lines stream like exec output, `{"type": ...}`
 * lines are run events, and the run's result (a `{"type":"result"}` line, else its stdout) is the stage result.
 * Exit code 0 = success. The run is recorded with the other agent runs.
 */
import { Type } from "@sinclair/typebox";
import type { AgentRuns } from "../runtime/runs.ts";
import { defineCommand } from "./kind.ts";

export const AGENT_DEFAULT_TIMEOUT_MS = 3_600_000;

/** `runs`: the runner, or how to get it (the agent loads the workspace runtime on first use). */
export function agentRunCommand(runs: AgentRuns | (() => Promise<AgentRuns>)) {
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
    async run(params, ctx) {
      return (typeof runs === "function" ? await runs() : runs).runStage(params, ctx);
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

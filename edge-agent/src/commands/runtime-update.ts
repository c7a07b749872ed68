/** `runtime.update`: applies the channel's signed release with a one-time grant (see agent/updater.ts). */
import { Type } from "@sinclair/typebox";
import type { UpdateOutcome, UpdateRequest } from "../update/types.ts";
import { defineCommand } from "./kind.ts";

/** Scripts can take a while (each has its own timeout); the command must not time out before the update ends. */
const UPDATE_COMMAND_TIMEOUT_MS = 3_600_000;

export type RunUpdate = (request: UpdateRequest) => Promise<UpdateOutcome>;

export function runtimeUpdateCommand(runUpdate: RunUpdate) {
  return defineCommand({
    kind: "runtime.update",
    params: Type.Object(
      {
        grantToken: Type.String({ minLength: 1 }),
        channel: Type.Optional(Type.String({ minLength: 1 })),
        targetVersion: Type.Optional(Type.String({ minLength: 1 })),
      },
      // Extra fields from newer control planes are ignored.
      { additionalProperties: true },
    ),
    defaultTimeoutMs: () => UPDATE_COMMAND_TIMEOUT_MS,
    async run(params) {
      const { grantToken, channel, targetVersion } = params;
      const outcome = await runUpdate({ grantToken, channel, targetVersion });
      const versions = { fromVersion: outcome.fromVersion, toVersion: outcome.toVersion };
      if (outcome.ok) return { ok: true, result: versions };
      return { ok: false, error: outcome.reason, result: { ...versions, status: outcome.status } };
    },
  });
}

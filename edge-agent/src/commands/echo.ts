/** `echo`: returns its params as the result (connectivity and pipeline checks). */
import { Type } from "@sinclair/typebox";
import { defineCommand } from "./kind.ts";

export const echoCommand = defineCommand({
  kind: "echo",
  params: Type.Record(Type.String(), Type.Unknown()),
  run: async (params) => ({ ok: true, result: params }),
});

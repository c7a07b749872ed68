import { Elysia } from "elysia";
import type { RuntimeService } from "./service";

/** Plugin for runtime-principal routes: adds `runtime` (live identity state checked on every request). */
export const requireRuntime = (runtime: RuntimeService) =>
  new Elysia().derive({ as: "scoped" }, async ({ headers }) => ({
    runtime: await runtime.authenticate(headers.authorization),
  }));

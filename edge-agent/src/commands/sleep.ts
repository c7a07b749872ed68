/** `sleep`: waits `ms` milliseconds (≤ 1 hour); handy for demos and tests of timeouts and concurrency. */
import { Type } from "@sinclair/typebox";
import { abortMessage } from "./abort.ts";
import { defineCommand } from "./kind.ts";

const MAX_SLEEP_MS = 3_600_000;

export const sleepCommand = defineCommand({
  kind: "sleep",
  params: Type.Object({ ms: Type.Integer({ minimum: 0, maximum: MAX_SLEEP_MS }) }),
  // Without an explicit timeout, a sleep may take as long as it asks for.
  defaultTimeoutMs: ({ ms }) => ms + 10_000,
  async run({ ms }, { signal }) {
    const startedAt = performance.now();
    const completed = await new Promise<boolean>((resolve) => {
      if (signal.aborted) return resolve(false);
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      function onAbort() {
        clearTimeout(timer);
        resolve(false);
      }
      signal.addEventListener("abort", onAbort, { once: true });
    });
    const sleptMs = Math.round(performance.now() - startedAt);
    return completed
      ? { ok: true, result: { sleptMs } }
      : { ok: false, error: abortMessage(signal), result: { sleptMs } };
  },
});

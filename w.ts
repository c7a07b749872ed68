import { PGlite } from "@electric-sql/pglite";
declare const self: Worker;
self.onmessage = async (e) => {
  const t = performance.now();
  const p = await PGlite.create("memory://", e.data ?? {});
  self.postMessage(Math.round(performance.now() - t));
  await p.close();
};

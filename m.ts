import { readFileSync } from "node:fs";
const dir = "/work/main/node_modules/@electric-sql/pglite/dist/";
async function run(opts: any) {
  const w = new Worker("/tmp/w.ts");
  const t = performance.now();
  const ms = await new Promise((r) => {
    w.onmessage = (e) => r(e.data);
    w.postMessage(opts);
  });
  console.log("in-worker create", ms, "total", Math.round(performance.now() - t));
  w.terminate();
}
await run(undefined);
const t = performance.now();
const pgliteWasmModule = await WebAssembly.compile(readFileSync(dir + "pglite.wasm"));
const initdbWasmModule = await WebAssembly.compile(readFileSync(dir + "initdb.wasm"));
console.log("compile", Math.round(performance.now() - t));
await run({ pgliteWasmModule, initdbWasmModule });
await run({ pgliteWasmModule, initdbWasmModule });

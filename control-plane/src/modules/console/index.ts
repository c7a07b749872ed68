/**
 * The web console: static files of control-plane/console (plain ES modules, no build step) and the few browser
 * libraries it imports, served from their npm packages (nothing from a CDN). It calls only the public API.
 */
import { Elysia } from "elysia";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { notFound } from "../../lib/errors";

const ROOT = join(import.meta.dir, "../../../console");
const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** URL path under /console/ → file on disk. */
function files(): Map<string, string> {
  const map = new Map<string, string>([
    ["index.html", join(ROOT, "index.html")],
    ["app.js", join(ROOT, "app.js")],
    ["style.css", join(ROOT, "style.css")],
    ["vendor/preact.mjs", join(packageDir("preact"), "dist/preact.mjs")],
    ["vendor/hooks.mjs", join(packageDir("preact"), "hooks/dist/hooks.mjs")],
    ["vendor/htm.mjs", join(packageDir("htm"), "dist/htm.mjs")],
    ["vendor/xterm.mjs", join(packageDir("@xterm/xterm"), "lib/xterm.mjs")],
    ["vendor/xterm.css", join(packageDir("@xterm/xterm"), "css/xterm.css")],
  ]);
  for (const [name, path] of map) if (!existsSync(path)) throw new Error(`web console file missing: ${name} (${path})`);
  return map;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

export const consoleController = () => {
  const map = files();
  const cache = new Map<string, string>();
  const serve = (name: string, set: { headers: Record<string, string | number> }) => {
    const path = map.get(name);
    if (!path) throw notFound("file");
    // Read once per process (the files ship with the control plane).
    let body = cache.get(name);
    if (body === undefined) {
      body = readFileSync(path, "utf8");
      cache.set(name, body);
    }
    set.headers["content-type"] = TYPES[name.split(".").pop()!] ?? "application/octet-stream";
    set.headers["cache-control"] = "no-cache";
    return body;
  };
  return new Elysia()
    .get("/", ({ redirect }) => redirect("/console", 302), { detail: { hide: true } })
    .get("/console", ({ set }) => serve("index.html", set), { detail: { hide: true } })
    .get("/console/*", ({ params, set }) => serve(params["*"], set), { detail: { hide: true } });
};

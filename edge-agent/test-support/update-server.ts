/** A test double of the control plane's 4 runtime update endpoints (Bun.serve on 127.0.0.1), serving one signed release. */
import { compareVersions, sha256Hex, signManifest, type ReleaseManifest } from "@edge/proto/release";
import type { UpdateReport } from "../src/update/update-client.ts";

export interface TestRelease {
  channel: string;
  version: string;
  /** Signs the manifest. */
  secretKey: string;
  /** In order; `served` replaces the body actually served (tampering), the manifest hashes `body`. */
  scripts: { id: string; body: string; served?: string }[];
  expiresAt?: string;
}

export interface TestUpdateServer {
  url: string;
  release: TestRelease;
  /** Unused grant tokens; apply consumes one. */
  grants: Set<string>;
  checks: { currentVersion: string; channel: string }[];
  applies: Record<string, unknown>[];
  downloads: string[];
  reports: UpdateReport[];
  /** Answer the next N reports with 500. */
  failReports: number;
  /** Authorization headers seen. */
  authorizations: string[];
  close(): void;
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

export function startTestUpdateServer(release: TestRelease): TestUpdateServer {
  const state: Omit<TestUpdateServer, "url" | "close"> = {
    release,
    grants: new Set(),
    checks: [],
    applies: [],
    downloads: [],
    reports: [],
    failReports: 0,
    authorizations: [],
  };
  let baseUrl = "";
  const pathOf = (id: string) => `releases/${state.release.version}/${id}.sh`;
  const manifestOf = (r: TestRelease): ReleaseManifest => ({
    channel: r.channel,
    version: r.version,
    notes: "test release",
    issuedAt: new Date(Date.now() - 60_000).toISOString(),
    expiresAt: r.expiresAt ?? new Date(Date.now() + 3_600_000).toISOString(),
    scripts: r.scripts.map((s) => ({
      id: s.id,
      description: `script ${s.id}`,
      path: pathOf(s.id),
      sha256: sha256Hex(s.body),
    })),
  });
  const answer = (currentVersion: string, channel: string) => {
    const r = state.release;
    return {
      ok: true,
      runtimeId: "runtime_test",
      agentId: "host_1",
      userId: "user_1",
      channel,
      currentVersion,
      targetVersion: r.version,
      updateAvailable: compareVersions(r.version, currentVersion) > 0,
      requiresApproval: true,
      notes: "test release",
      scripts: r.scripts.map((s) => ({
        id: s.id,
        description: "",
        path: pathOf(s.id),
        sha256: sha256Hex(s.body),
        url: `${baseUrl}/api/runtime/updates/scripts?path=${encodeURIComponent(pathOf(s.id))}`,
      })),
      signedManifest: signManifest(manifestOf(r), r.secretKey),
    };
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      state.authorizations.push(request.headers.get("authorization") ?? "");
      if (request.method === "POST" && url.pathname === "/api/runtime/updates/check") {
        const body = (await request.json()) as { currentVersion: string; channel: string };
        state.checks.push(body);
        return json(answer(body.currentVersion, body.channel));
      }
      if (request.method === "POST" && url.pathname === "/api/runtime/updates/apply") {
        const body = (await request.json()) as {
          approved?: unknown;
          grantToken: string;
          currentVersion: string;
          channel: string;
          targetVersion: string;
        };
        state.applies.push(body);
        if (body.approved !== true) return json({ error: "approved must be true" }, 400);
        if (!state.grants.delete(body.grantToken))
          return json({ error: "update grant is invalid, expired or already used" }, 403);
        if (body.targetVersion !== state.release.version)
          return json({ error: "targetVersion is not the current release" }, 409);
        return json({ ...answer(body.currentVersion, body.channel), approved: true, canExecuteRemoteScripts: true });
      }
      if (request.method === "GET" && url.pathname === "/api/runtime/updates/scripts") {
        const path = url.searchParams.get("path") ?? "";
        state.downloads.push(path);
        if (path.includes("..")) return json({ error: "bad path" }, 400);
        const script = state.release.scripts.find((s) => pathOf(s.id) === path);
        if (!script) return json({ error: "unknown script" }, 404);
        return new Response(script.served ?? script.body, { headers: { "content-type": "text/plain" } });
      }
      if (request.method === "POST" && url.pathname === "/api/runtime/updates/report") {
        if (state.failReports > 0) {
          state.failReports--;
          return json({ error: "try again" }, 500);
        }
        state.reports.push((await request.json()) as UpdateReport);
        return json({ ok: true });
      }
      return json({ error: "not found" }, 404);
    },
  });
  baseUrl = server.url.href.replace(/\/$/, "");
  return Object.assign(state, { url: baseUrl, close: () => void server.stop(true) });
}

/**
 * `app.deploy`: runs one version of an app manifest (sent by an app rollout) in the workspace that holds the app
 * (created on first use, recognised by its metadata `deployedApp`): the manifest is checked with the shared parser,
 * written as the workspace's `app.runtime.yaml`, the workspace's apps are stopped and started again in dependency
 * order (each start is checked by the safety policy as `app.start`, and answers once healthy). The result is the
 * agent's report: `{app, version, previousVersion, workspaceId, apps: [{appId, phase}]}`; the command fails unless
 * every app is healthy (the report still says what runs). The command itself is checked as kind `app.deploy`.
 */
import { Type } from "@sinclair/typebox";
import { APP_NAME_PATTERN, MANIFEST_FILE, MAX_MANIFEST_BYTES, parseManifestText } from "@edge/proto/runtime/manifest";
import { errorMessage } from "@edge/proto/log";
import type { Runtime } from "../runtime/runtime.ts";
import { defineCommand } from "./kind.ts";

export const APP_DEPLOY_KIND = "app.deploy";

/** `runtime`: the workspace runtime (or how to get it: the agent loads it on first use); undefined = none. */
export function appDeployCommand(getRuntime: Runtime | undefined | (() => Promise<Runtime | undefined>)) {
  return defineCommand({
    kind: APP_DEPLOY_KIND,
    params: Type.Object({
      app: Type.String({ pattern: APP_NAME_PATTERN, maxLength: 63 }),
      version: Type.Integer({ minimum: 1 }),
      sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
      manifest: Type.String({ minLength: 1, maxLength: MAX_MANIFEST_BYTES }),
    }),
    defaultTimeoutMs: () => 600_000,
    run: async ({ app, version, sha256, manifest }) => {
      const runtime = typeof getRuntime === "function" ? await getRuntime() : getRuntime;
      if (!runtime) return { ok: false, error: "this agent has no workspace runtime" };
      if (new Bun.CryptoHasher("sha256").update(manifest).digest("hex") !== sha256)
        return { ok: false, error: "manifest sha256 mismatch" };
      const parsed = parseManifestText(manifest);
      if ("error" in parsed) return { ok: false, error: `${MANIFEST_FILE}: ${parsed.error}` };
      const existing = runtime.workspaces.list().find((w) => w.metadata.deployedApp === app);
      const previousVersion =
        typeof existing?.metadata.manifestVersion === "number" ? existing.metadata.manifestVersion : null;
      const workspace = existing ?? runtime.workspaces.create({ name: app, metadata: { deployedApp: app } });
      const report = (apps: { appId: string; phase: string }[]) => ({
        app,
        version,
        previousVersion,
        workspaceId: workspace.id,
        apps,
      });
      try {
        await runtime.apps.stopWorkspace(workspace.id);
        runtime.workspaces.writeFile(workspace.id, MANIFEST_FILE, new TextEncoder().encode(manifest));
        runtime.workspaces.update(workspace.id, {
          metadata: { ...workspace.metadata, deployedApp: app, manifestVersion: version, manifestSha256: sha256 },
        });
        const started = await runtime.apps.startResolved(workspace.id);
        const apps = started.map((s) => ({ appId: s.appId, phase: s.phase }));
        if (apps.every((a) => a.phase === "healthy")) return { ok: true, result: report(apps) };
        return { ok: false, error: `not every app is healthy at version ${version}`, result: report(apps) };
      } catch (error) {
        const apps = (await runtime.apps.list())
          .filter((s) => s.workspaceId === workspace.id)
          .map((s) => ({ appId: s.appId, phase: s.phase }));
        return { ok: false, error: errorMessage(error), result: report(apps) };
      }
    },
  });
}

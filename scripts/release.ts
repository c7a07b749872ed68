/**
 * Release tool: generate a signing key pair, build and sign a release from a folder of scripts, publish it.
 * The private key stays here; the control plane only ever sees the signed manifest.
 *
 *   npm run release -- keygen --out ./release-keys
 *   npm run release -- publish --dir ./my-release --version 2026.02.20 [--channel stable] [--notes "..."]
 *        --key ./release-keys/release.key --api http://localhost:8080 --api-key $ADMIN_KEY [--expires-in-days 30] [--dry-run]
 *
 * Every file of --dir (sorted by name) becomes one script step, run in that order by the agent. A first line
 * `# description: ...` gives the step its description.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildRelease as buildReleaseFromDir, generateKeyPair, signManifest } from "@edge/proto/release";

const usage = `usage:
  release keygen --out <dir>
  release publish --dir <scripts dir> --version <v> --key <secret key file> --api <url> --api-key <roz_sk_...>
                  [--channel stable] [--notes text] [--expires-in-days 30] [--dry-run]`;

const fail = (message: string): never => {
  console.error(`release: ${message}\n${usage}`);
  process.exit(2);
};

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string" },
    dir: { type: "string" },
    version: { type: "string" },
    channel: { type: "string", default: "stable" },
    notes: { type: "string", default: "" },
    key: { type: "string" },
    api: { type: "string" },
    "api-key": { type: "string" },
    "expires-in-days": { type: "string", default: "30" },
    "dry-run": { type: "boolean", default: false },
  },
});

/** The release of a folder of scripts (see proto/release.ts); a folder without files is a usage error. */
export function buildRelease(
  dir: string,
  opts: { version: string; channel: string; notes: string; expiresInDays: number },
) {
  try {
    return buildReleaseFromDir(dir, opts);
  } catch (error) {
    return fail((error as Error).message);
  }
}

async function main() {
  const [command] = positionals;
  if (command === "keygen") {
    const out = values.out ?? fail("--out is required");
    mkdirSync(out, { recursive: true });
    const { publicKey, secretKey } = generateKeyPair();
    writeFileSync(join(out, "release.key"), `${secretKey}\n`, { mode: 0o600 });
    chmodSync(join(out, "release.key"), 0o600);
    writeFileSync(join(out, "release.pub"), `${publicKey}\n`);
    console.log(`wrote ${join(out, "release.key")} (keep it secret) and ${join(out, "release.pub")}`);
    console.log(`pin on agents: EDGE_UPDATE_PUBLIC_KEY=${publicKey}`);
    return;
  }
  if (command !== "publish") fail(`unknown command ${command ?? "(none)"}`);
  const dir = values.dir ?? fail("--dir is required");
  const version = values.version ?? fail("--version is required");
  const keyFile = values.key ?? fail("--key is required");
  const expiresInDays = Number(values["expires-in-days"]);
  if (!(expiresInDays > 0)) fail("--expires-in-days must be positive");
  const { manifest, bodies } = buildRelease(dir, {
    version,
    channel: values.channel!,
    notes: values.notes!,
    expiresInDays,
  });
  let signedManifest: ReturnType<typeof signManifest>;
  try {
    signedManifest = signManifest(manifest, readFileSync(keyFile, "utf8").trim());
  } catch (error) {
    return fail((error as Error).message);
  }
  if (values["dry-run"]) {
    console.log(JSON.stringify({ signedManifest, scripts: bodies }, null, 2));
    return;
  }
  const api = values.api ?? fail("--api is required");
  const apiKey = values["api-key"] ?? process.env.ROZ_API_KEY ?? fail("--api-key (or ROZ_API_KEY) is required");
  const res = await fetch(`${api.replace(/\/$/, "")}/api/v1/releases`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ signedManifest, scripts: bodies }),
  });
  const body = (await res.json().catch(() => ({}))) as { id?: string; error?: string };
  if (!res.ok) {
    console.error(`release: publish failed (${res.status}): ${body.error ?? JSON.stringify(body)}`);
    process.exit(1);
  }
  console.log(`published ${manifest.channel} ${manifest.version} (${manifest.scripts.length} scripts) as ${body.id}`);
}

if (import.meta.main) await main();

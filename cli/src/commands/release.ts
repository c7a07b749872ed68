/** release publish (build, sign and upload a folder of scripts) and release keygen: the release tool's logic, from proto. */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildRelease, generateKeyPair, signManifest } from "@edge/proto/release";
import { CliError, UsageError } from "../errors.ts";
import { info, out, printData, Progress } from "../output.ts";
import type { Verb } from "../verb.ts";

export const releaseVerbs: Verb[] = [
  {
    name: "release publish",
    summary: "Sign a folder of update scripts as a release and publish it (POST /api/v1/releases)",
    maxArgs: 0,
    description: `
Every file of --dir (sorted by name) is one step; a first line "# description: ..." describes it. The manifest is
signed here with --key (the private key never leaves this machine); the tenant must trust its public key.`,
    flags: {
      dir: { type: "string", value: "DIR", description: "folder of scripts (required)" },
      version: { type: "string", value: "VERSION", description: "release version, e.g. 2026.02.20 (required)" },
      key: { type: "string", value: "FILE", description: "ed25519 secret key file from `release keygen` (required)" },
      channel: { type: "string", value: "CHANNEL", description: "channel (default stable)" },
      notes: { type: "string", value: "TEXT", description: "release notes" },
      "expires-in-days": { type: "string", value: "N", description: "manifest lifetime (default 30)" },
      "dry-run": { type: "boolean", description: "print the signed release instead of publishing it" },
    },
    async run(inv) {
      const need = (name: string) => {
        const value = inv.flags[name] as string | undefined;
        if (!value) throw new UsageError(`--${name} is required`);
        return value;
      };
      const dir = need("dir");
      const version = need("version");
      const keyFile = need("key");
      const expiresInDays = Number(inv.flags["expires-in-days"] ?? 30);
      if (!(expiresInDays > 0)) throw new UsageError("--expires-in-days must be positive");
      let release: ReturnType<typeof buildRelease>;
      let signedManifest: ReturnType<typeof signManifest>;
      try {
        release = buildRelease(dir, {
          version,
          channel: (inv.flags.channel as string) || "stable",
          notes: (inv.flags.notes as string) ?? "",
          expiresInDays,
        });
        signedManifest = signManifest(release.manifest, readFileSync(keyFile, "utf8").trim());
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const payload = { signedManifest, scripts: release.bodies };
      if (inv.flags["dry-run"]) {
        printData(payload, inv.format === "yaml" ? "yaml" : "json");
        return 0;
      }
      const progress = new Progress().start(
        `publishing ${release.manifest.channel} ${version} (${release.bodies.length} scripts)`,
      );
      let published: Record<string, unknown>;
      try {
        published = await inv.api().post("/api/v1/releases", payload);
      } finally {
        progress.stop();
      }
      if (inv.format === "json" || inv.format === "yaml") printData(published, inv.format);
      else
        info(`published ${release.manifest.channel} ${version} (${release.bodies.length} scripts) as ${published.id}`);
      return 0;
    },
  },
  {
    name: "release keygen",
    summary: "Generate a release signing key pair (release.key, mode 0600, and release.pub)",
    maxArgs: 0,
    flags: { out: { type: "string", value: "DIR", description: "where to write the two files (required)" } },
    async run(inv) {
      const dir = inv.flags.out as string | undefined;
      if (!dir) throw new UsageError("--out is required");
      mkdirSync(dir, { recursive: true });
      const { publicKey, secretKey } = generateKeyPair();
      writeFileSync(join(dir, "release.key"), `${secretKey}\n`, { mode: 0o600 });
      chmodSync(join(dir, "release.key"), 0o600);
      writeFileSync(join(dir, "release.pub"), `${publicKey}\n`);
      info(`wrote ${join(dir, "release.key")} (keep it secret) and ${join(dir, "release.pub")}`);
      out(publicKey);
      return 0;
    },
  },
];

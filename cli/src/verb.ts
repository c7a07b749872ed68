/** A verb of the CLI: its flags (node:util parseArgs), its help, and what it does. */
import { parseArgs } from "node:util";
import { Api, type Session } from "./client.ts";
import { type Context, DEFAULT_API_URL, DEFAULT_CONTEXT, loadConfig } from "./config.ts";
import { UsageError } from "./errors.ts";
import { type Format, parseFormat } from "./output.ts";

export interface Flag {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help: `--file FILE`. */
  value?: string;
}

export interface Invocation {
  args: string[];
  /** Everything after `--`. */
  rest: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
  format: Format;
  session(): Session;
  api(): Api;
}

export interface Verb {
  /** "get", or "task create" for a verb of a group. */
  name: string;
  summary: string;
  /** Arguments after the verb, for the usage line: `TYPE [NAME]`. */
  args?: string;
  description?: string;
  flags?: Record<string, Flag>;
  minArgs?: number;
  maxArgs?: number;
  run(inv: Invocation): Promise<number | undefined>;
}

export const GLOBAL_FLAGS: Record<string, Flag> = {
  "api-url": {
    type: "string",
    value: "URL",
    description: "control plane URL (env EDGECTL_API_URL; default: the context's)",
  },
  "grpc-url": {
    type: "string",
    value: "HOST:PORT",
    description: "gRPC address (env EDGECTL_GRPC_URL; default the API's host and port: one port serves both)",
  },
  context: {
    type: "string",
    value: "NAME",
    description: "context to use (env EDGECTL_CONTEXT; default: current-context)",
  },
  token: {
    type: "string",
    value: "TOKEN",
    description: "API key / personal access token for this call (env EDGECTL_TOKEN)",
  },
  output: { type: "string", short: "o", value: "FORMAT", description: "table (default), json, yaml or name" },
  help: { type: "boolean", short: "h", description: "show help" },
};

export function helpText(verb: Verb): string {
  const flags = { ...verb.flags, ...GLOBAL_FLAGS };
  const lines = [`${verb.summary}`, "", `Usage: edgectl ${verb.name}${verb.args ? ` ${verb.args}` : ""} [flags]`];
  if (verb.description) lines.push("", verb.description.trim());
  lines.push("", "Flags:");
  const rows = Object.entries(flags).map(([name, f]) => [
    `${f.short ? `-${f.short}, ` : "    "}--${name}${f.value ? ` ${f.value}` : ""}`,
    f.description,
  ]);
  const width = Math.max(...rows.map(([left]) => left!.length));
  for (const [left, right] of rows) lines.push(`  ${left!.padEnd(width)}   ${right}`);
  return lines.join("\n");
}

/** Parses argv for `verb` (global flags included) and builds its invocation. */
export function invocation(verb: Verb, argv: string[], env: NodeJS.ProcessEnv = process.env): Invocation {
  const dash = argv.indexOf("--");
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  const options = Object.fromEntries(
    Object.entries({ ...verb.flags, ...GLOBAL_FLAGS }).map(([name, f]) => [
      name,
      { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: own, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
  const flags = parsed.values as Invocation["flags"];
  const args = parsed.positionals;
  if (!flags.help) {
    if (verb.minArgs !== undefined && args.length < verb.minArgs)
      throw new UsageError(`missing arguments: edgectl ${verb.name} ${verb.args ?? ""}`.trim());
    if (verb.maxArgs !== undefined && args.length > verb.maxArgs)
      throw new UsageError(
        `unexpected argument "${args[verb.maxArgs]}": edgectl ${verb.name} ${verb.args ?? ""}`.trim(),
      );
  }
  const format = parseFormat(flags.output as string | undefined);
  let session: Session | undefined;
  let api: Api | undefined;
  const resolveSession = () => {
    session ??= resolve(flags, env);
    return session;
  };
  return {
    args,
    rest,
    flags,
    format,
    session: resolveSession,
    api: () => {
      api ??= new Api(resolveSession());
      return api;
    },
  };
}

/** Flags win over environment variables, which win over the context; the context is created when missing. */
function resolve(flags: Invocation["flags"], env: NodeJS.ProcessEnv): Session {
  const config = loadConfig(env);
  const contextName = (flags.context as string) || env.EDGECTL_CONTEXT || config.currentContext || DEFAULT_CONTEXT;
  const stored = config.contexts[contextName];
  if (!stored && (flags.context || env.EDGECTL_CONTEXT) && !flags["api-url"] && !env.EDGECTL_API_URL)
    throw new UsageError(
      `no context "${contextName}" (create it with \`edgectl login --context ${contextName} --api-url URL\`)`,
    );
  const context: Context = stored ?? { apiUrl: DEFAULT_API_URL };
  const apiUrl = ((flags["api-url"] as string) || env.EDGECTL_API_URL || context.apiUrl || DEFAULT_API_URL).replace(
    /\/$/,
    "",
  );
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(apiUrl);
  } catch {
    throw new UsageError(`invalid API URL "${apiUrl}"`);
  }
  const grpcUrl =
    (flags["grpc-url"] as string) ||
    env.EDGECTL_GRPC_URL ||
    context.grpcUrl ||
    `${parsedUrl.hostname}:${parsedUrl.port || (parsedUrl.protocol === "https:" ? "443" : "80")}`;
  const tokenOverride = (flags.token as string) || env.EDGECTL_TOKEN || undefined;
  return { config, contextName, context, apiUrl, grpcUrl, tokenOverride };
}

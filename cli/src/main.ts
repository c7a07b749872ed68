#!/usr/bin/env bun
/**
 * edgectl: the operators' command line. It speaks the public REST API (and gRPC for `watch`) like any client:
 * device login, resources, declarative apply, commands and tasks, releases.
 */
import { agentVerbs } from "./commands/agent.ts";
import { applyVerbs } from "./commands/apply.ts";
import { authVerbs } from "./commands/auth.ts";
import { getVerbs } from "./commands/get.ts";
import { ptyVerbs } from "./commands/pty.ts";
import { tunnelVerbs } from "./commands/tunnel.ts";
import { releaseVerbs } from "./commands/release.ts";
import { runVerbs } from "./commands/run.ts";
import { taskVerbs } from "./commands/task.ts";
import { CliError, UsageError } from "./errors.ts";
import { out } from "./output.ts";
import { GLOBAL_FLAGS, helpText, invocation, type Verb } from "./verb.ts";

export const VERSION = "0.1.0";

const VERBS: Verb[] = [
  ...authVerbs,
  ...getVerbs,
  ...applyVerbs,
  ...runVerbs,
  ...ptyVerbs,
  ...tunnelVerbs,
  ...taskVerbs,
  ...releaseVerbs,
  ...agentVerbs,
];

const GROUPS: Record<string, string> = {
  config: "Contexts: get-contexts, current-context, use-context, set-context, delete-context",
  task: "Tasks: create, cancel, retry, confirm, logs, events",
  release: "Releases: publish, keygen",
  agent: "Agents: install",
};

function rootHelp(): string {
  const lines = [
    "edgectl: operate an edge orchestrator from the command line",
    "",
    "Usage: edgectl VERB [args] [flags]     (edgectl VERB --help for a verb's flags)",
    "",
    "Verbs:",
  ];
  const top = VERBS.filter((v) => !v.name.includes(" "));
  const width = Math.max(...[...top.map((v) => v.name), ...Object.keys(GROUPS)].map((n) => n.length));
  for (const v of top) lines.push(`  ${v.name.padEnd(width)}   ${v.summary}`);
  for (const [group, summary] of Object.entries(GROUPS)) lines.push(`  ${group.padEnd(width)}   ${summary}`);
  lines.push("", "Global flags:");
  const flags = Object.entries(GLOBAL_FLAGS).map(([name, f]) => [
    `${f.short ? `-${f.short}, ` : "    "}--${name}${f.value ? ` ${f.value}` : ""}`,
    f.description,
  ]);
  const flagWidth = Math.max(...flags.map(([left]) => left!.length));
  for (const [left, right] of flags) lines.push(`  ${left!.padEnd(flagWidth)}   ${right}`);
  lines.push(
    "",
    "Exit codes: 0 ok, 1 error, 2 bad usage; `run` exits with its command's exit code.",
    "Config: $XDG_CONFIG_HOME/edgectl/config.yaml (default ~/.config/edgectl), mode 0600.",
  );
  return lines.join("\n");
}

function groupHelp(group: string): string {
  const verbs = VERBS.filter((v) => v.name.startsWith(`${group} `));
  const width = Math.max(...verbs.map((v) => v.name.length));
  return [
    GROUPS[group]!,
    "",
    `Usage: edgectl ${group} VERB [args] [flags]`,
    "",
    ...verbs.map((v) => `  ${v.name.padEnd(width)}   ${v.summary}`),
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (!first || first === "--help" || first === "-h" || first === "help") {
    out(rootHelp());
    return first ? 0 : 2;
  }
  if (first === "--version" || first === "version") {
    out(`edgectl ${VERSION}`);
    return 0;
  }
  let verb: Verb | undefined;
  let rest: string[];
  if (GROUPS[first]) {
    if (!second || second.startsWith("-")) {
      out(groupHelp(first));
      return second === "--help" || second === "-h" ? 0 : 2;
    }
    verb = VERBS.find((v) => v.name === `${first} ${second}`);
    if (!verb) throw new UsageError(`unknown verb "${first} ${second}" (edgectl ${first} --help)`);
    rest = argv.slice(2);
  } else {
    verb = VERBS.find((v) => v.name === first);
    if (!verb) throw new UsageError(`unknown verb "${first}" (edgectl --help)`);
    rest = argv.slice(1);
  }
  const inv = invocation(verb, rest);
  if (inv.flags.help) {
    out(helpText(verb));
    return 0;
  }
  return (await verb.run(inv)) ?? 0;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`edgectl: ${error.message}\n`);
      code = error.exitCode;
    } else {
      process.stderr.write(`edgectl: unexpected error: ${(error as Error)?.stack ?? error}\n`);
      code = 1;
    }
  }
  // Everything written reaches a pipe before the exit (a command's output can be 64 KiB).
  await Promise.all([
    new Promise((resolve) => process.stdout.write("", resolve)),
    new Promise((resolve) => process.stderr.write("", resolve)),
  ]);
  process.exit(code);
}

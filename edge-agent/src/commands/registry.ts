/**
 * The command kinds this agent can run. Adding a kind = one module exporting a `defineCommand(...)`
 * (see kind.ts) plus one line in BUILT_IN_COMMANDS.
 */
import { echoCommand } from "./echo.ts";
import { execCommand } from "./exec.ts";
import type { CommandKind } from "./kind.ts";
import { sleepCommand } from "./sleep.ts";

export const BUILT_IN_COMMANDS: readonly CommandKind[] = [execCommand, sleepCommand, echoCommand];

export class CommandRegistry {
  private readonly kinds = new Map<string, CommandKind>();

  constructor(kinds: readonly CommandKind[] = BUILT_IN_COMMANDS) {
    for (const kind of kinds) this.register(kind);
  }

  register(kind: CommandKind): void {
    if (this.kinds.has(kind.kind)) throw new Error(`command kind "${kind.kind}" is already registered`);
    this.kinds.set(kind.kind, kind);
  }

  get(kind: string): CommandKind | undefined {
    return this.kinds.get(kind);
  }

  names(): string[] {
    return [...this.kinds.keys()];
  }
}

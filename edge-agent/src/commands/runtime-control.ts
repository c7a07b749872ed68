/** `runtime.stop` / `runtime.start`: the durable machine state; a stopped machine refuses all other commands. */
import { Type } from "@sinclair/typebox";
import type { MachineState } from "../store/runtime-state.ts";
import { defineCommand, type CommandKind } from "./kind.ts";

/** The only kinds a stopped machine still runs. */
export const RUNTIME_CONTROL_KINDS: ReadonlySet<string> = new Set(["runtime.start", "runtime.stop", "runtime.update"]);

export const MACHINE_STOPPED_ERROR = "machine stopped";

export interface MachineStateHolder {
  set(state: MachineState): void;
}

export function runtimeControlCommands(machine: MachineStateHolder): CommandKind[] {
  const control = (kind: string, state: MachineState) =>
    defineCommand({
      kind,
      params: Type.Object({}, { additionalProperties: true }),
      run: async () => {
        machine.set(state);
        return { ok: true, result: { state } };
      },
    });
  return [control("runtime.stop", "stopped"), control("runtime.start", "running")];
}

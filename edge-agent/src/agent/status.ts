/** Status actor: every interval, an AgentStatus report plus agent.load1 / agent.memory_free_bytes telemetry. */
import os from "node:os";
import type { ActorContext, ActorRef, Behavior } from "../actors/index.ts";
import type { CommandStore } from "../store/command-store.ts";
import type { Outbox } from "../store/outbox.ts";
import { readVersion, type VersionSource } from "../version.ts";
import { codecs } from "@edge/proto/wire";
import type { TelemetryMsg } from "./telemetry.ts";

export type StatusMsg = { type: "report" };

export interface StatusDeps {
  outbox: Outbox;
  topic: string;
  commands: CommandStore;
  telemetry: ActorRef<TelemetryMsg>;
  intervalMs: number;
  agentVersion: VersionSource;
  now?: () => number;
}

export function status(deps: StatusDeps) {
  const now = deps.now ?? Date.now;
  return ({ self, timers }: ActorContext<StatusMsg>): Behavior<StatusMsg> => {
    return {
      preStart() {
        self.tell({ type: "report" });
        timers.startPeriodicTimer("report", { type: "report" }, deps.intervalMs);
      },
      receive() {
        const atMs = now();
        const load1 = os.loadavg()[0] ?? 0;
        const memoryFreeBytes = os.freemem();
        deps.outbox.append(
          deps.topic,
          codecs.status.encode({
            agentVersion: readVersion(deps.agentVersion),
            uptimeSeconds: process.uptime(),
            load1,
            memoryTotalBytes: os.totalmem(),
            memoryFreeBytes,
            runningCommands: deps.commands.countRunning(),
            atMs,
          }),
        );
        deps.telemetry.tell({
          type: "record",
          points: [
            { name: "agent.load1", value: load1, atMs },
            { name: "agent.memory_free_bytes", value: memoryFreeBytes, atMs },
          ],
        });
      },
    };
  };
}

/** Installation-wide figures in the Prometheus text exposition format (version 0.0.4). */
import type { CommandService } from "../commands/service";
import type { HostService } from "../hosts/service";
import type { NotificationService } from "../notifications/service";
import type { TaskService } from "../tasks/service";
import { COMMAND_STATUSES, isTerminal, TASK_STATUSES } from "../../lib/lifecycle";
import type { DomainEvent } from "../../lib/events";
import { HOST_STATUSES } from "../../db/schema";

/** Upper bounds (seconds) of the command round-trip histogram's buckets. */
const ROUND_TRIP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Commands whose creation time is remembered for the round trip, at most (oldest forgotten first). */
const MAX_TRACKED = 100_000;

const label = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export class MetricsService {
  private readonly startedAt = Date.now();
  /** HTTP answers by method and status class, counted by the app's response hook. */
  private readonly http = new Map<string, number>();

  constructor(
    private readonly deps: {
      hosts: HostService;
      commands: CommandService;
      tasks: TaskService;
      notifications: NotificationService;
    },
  ) {}

  /** Creation times of this replica's unfinished commands (ms). */
  private readonly createdAt = new Map<string, number>();
  private readonly roundTrip = { buckets: ROUND_TRIP_BUCKETS.map(() => 0), count: 0, sum: 0 };

  /**
   * Event bus listener: a command created on this replica and finished (completed, failed) is one observation of
   * the round trip from creation to its result, as this replica saw it.
   */
  observe(event: DomainEvent) {
    const now = Date.now();
    if (event.type === "command.created") this.track(event.commandId, now);
    else if (event.type === "commands.created") for (const c of event.commands) this.track(c.id, now);
    else if (event.type === "command.transition" && isTerminal(event.status)) {
      const started = this.createdAt.get(event.commandId);
      if (started === undefined) return;
      this.createdAt.delete(event.commandId);
      if (event.status !== "completed" && event.status !== "failed") return;
      const seconds = (now - started) / 1000;
      ROUND_TRIP_BUCKETS.forEach((bound, i) => {
        if (seconds <= bound) this.roundTrip.buckets[i]!++;
      });
      this.roundTrip.count++;
      this.roundTrip.sum += seconds;
    }
  }

  private track(commandId: string, now: number) {
    if (this.createdAt.size >= MAX_TRACKED) this.createdAt.delete(this.createdAt.keys().next().value!);
    this.createdAt.set(commandId, now);
  }

  countRequest(method: string, status: number) {
    const key = `${method}|${Math.floor(status / 100)}xx`;
    this.http.set(key, (this.http.get(key) ?? 0) + 1);
  }

  async render(): Promise<string> {
    const [hosts, commands, tasks] = await Promise.all([
      this.deps.hosts.countByStatus(),
      this.deps.commands.countByStatus(),
      this.deps.tasks.countByStatus(),
    ]);
    const out: string[] = [];
    /** One metric family; without `type`, only samples (of a family already declared). */
    const family = (name: string, type: string, help: string, samples: [Record<string, string>, number][]) => {
      if (type) out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) {
        const l = Object.entries(labels)
          .map(([k, v]) => `${k}="${label(v)}"`)
          .join(",");
        out.push(`${name}${l ? `{${l}}` : ""} ${value}`);
      }
    };
    family("edge_agents_connected", "gauge", "Hosts whose agent is connected (online).", [[{}, hosts.online ?? 0]]);
    family(
      "edge_hosts",
      "gauge",
      "Hosts (not decommissioned) by status.",
      HOST_STATUSES.map((s) => [{ status: s }, hosts[s] ?? 0]),
    );
    family(
      "edge_commands",
      "gauge",
      "Commands by status.",
      COMMAND_STATUSES.map((s) => [{ status: s }, commands[s] ?? 0]),
    );
    family(
      "edge_tasks",
      "gauge",
      "Tasks by status.",
      TASK_STATUSES.map((s) => [{ status: s }, tasks[s] ?? 0]),
    );
    family("edge_notifications_created_total", "counter", "Notifications stored by this replica since start.", [
      [{}, this.deps.notifications.created],
    ]);
    family(
      "edge_http_responses_total",
      "counter",
      "HTTP answers of this replica by method and status class.",
      [...this.http].map(([key, n]) => {
        const [method, code] = key.split("|") as [string, string];
        return [{ method, code }, n];
      }),
    );
    out.push(
      "# HELP edge_command_round_trip_seconds Command creation to its result, as this replica saw it.",
      "# TYPE edge_command_round_trip_seconds histogram",
    );
    family("edge_command_round_trip_seconds_bucket", "", "", [
      ...ROUND_TRIP_BUCKETS.map((bound, i): [Record<string, string>, number] => [
        { le: String(bound) },
        this.roundTrip.buckets[i]!,
      ]),
      [{ le: "+Inf" }, this.roundTrip.count],
    ]);
    // _sum and _count belong to the histogram family (no HELP/TYPE of their own).
    out.push(`edge_command_round_trip_seconds_sum ${this.roundTrip.sum}`);
    out.push(`edge_command_round_trip_seconds_count ${this.roundTrip.count}`);
    const memory = process.memoryUsage();
    family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", [[{}, memory.rss]]);
    family("process_heap_used_bytes", "gauge", "JavaScript heap in use, in bytes.", [[{}, memory.heapUsed]]);
    family("process_uptime_seconds", "gauge", "Seconds since this replica started.", [
      [{}, Math.round((Date.now() - this.startedAt) / 1000)],
    ]);
    return `${out.join("\n")}\n`;
  }
}

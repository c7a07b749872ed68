/** Installation-wide figures in the Prometheus text exposition format (version 0.0.4). */
import type { CommandService } from "../commands/service";
import type { HostService } from "../hosts/service";
import type { NotificationService } from "../notifications/service";
import type { TaskService } from "../tasks/service";
import { COMMAND_STATUSES, TASK_STATUSES } from "../../lib/lifecycle";
import { HOST_STATUSES } from "../../db/schema";

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
    const family = (name: string, type: string, help: string, samples: [Record<string, string>, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
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
    const memory = process.memoryUsage();
    family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", [[{}, memory.rss]]);
    family("process_heap_used_bytes", "gauge", "JavaScript heap in use, in bytes.", [[{}, memory.heapUsed]]);
    family("process_uptime_seconds", "gauge", "Seconds since this replica started.", [
      [{}, Math.round((Date.now() - this.startedAt) / 1000)],
    ]);
    return `${out.join("\n")}\n`;
  }
}

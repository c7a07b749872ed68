/**
 * Installation-wide figures in the Prometheus text exposition format (version 0.0.4), with `prom-client`.
 * One registry per control plane (never prom-client's global default): several planes in one process (tests) keep
 * their own figures. Counts by status are read from the database on scrape (three grouped counts); the histograms
 * and counters are this replica's own observations since it started (rates come from the counters).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CommandService } from "../commands/service";
import type { HostService } from "../hosts/service";
import type { NotificationService } from "../notifications/service";
import type { TaskService } from "../tasks/service";
import { COMMAND_STATUSES, isTerminal, TASK_STATUSES } from "../../lib/lifecycle";
import type { DomainEvent } from "../../lib/events";
import { HOST_STATUSES } from "../../db/schema";

/** Upper bounds (seconds) of the command round-trip histogram's buckets. */
const ROUND_TRIP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Upper bounds (seconds) of the task scheduling (created → assigned) histogram. */
const SCHEDULING_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
/** Upper bounds (seconds) of the HTTP request duration histogram. */
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Commands whose creation time is remembered for the round trip, at most (oldest forgotten first). */
const MAX_TRACKED = 100_000;

/** How busy the database connections are (postgres.js pools, or the PGlite worker's queue). */
export interface PoolUse {
  /** Connections the pools may open (PGlite: 1, its one session). */
  max: number;
  /** Statements and transactions in flight (sent, not answered). */
  active: number;
  /** Of those, the ones beyond `max` (queued for a connection; PGlite: waiting behind the running one). */
  waiting: number;
}

type Direction = "in" | "out";

/**
 * A counter of messages by direction and one more label, counted in plain maps and handed to prom-client on scrape:
 * a labelled increment costs a validation and a hash, per message of every agent. Returns the increment.
 */
function directionCounter(registers: Registry[], name: string, help: string, label: string) {
  const counts: Record<Direction, Map<string, number>> = { in: new Map(), out: new Map() };
  new Counter({
    name,
    help,
    labelNames: ["direction", label],
    registers,
    collect() {
      this.reset();
      for (const [direction, byValue] of Object.entries(counts))
        for (const [value, n] of byValue) this.inc({ direction, [label]: value }, n);
    },
  });
  return (direction: Direction, value: string) => {
    const byValue = counts[direction];
    byValue.set(value, (byValue.get(value) ?? 0) + 1);
  };
}

export class MetricsService {
  readonly registry = new Registry();
  /** Creation times of this replica's unfinished commands (ms). */
  private readonly createdAt = new Map<string, number>();
  private readonly roundTrip: Histogram<"status">;
  private readonly scheduling: Histogram;
  private readonly httpDuration: Histogram<"method" | "route" | "code">;
  private readonly httpResponses: Counter<"method" | "code">;
  /** One MQTT message of the bridge: `in` from an agent, `out` to one; `channel` is the topic's last part. */
  readonly mqttMessage: (direction: Direction, channel: string) => void;
  /** One gRPC stream message. */
  readonly grpcMessage: (direction: Direction, service: "agent" | "operator") => void;

  constructor(
    private readonly deps: {
      hosts: HostService;
      commands: CommandService;
      tasks: TaskService;
      notifications: NotificationService;
      /** The database's pool use, read on scrape (set once the database is open). */
      pool?: () => PoolUse;
    },
  ) {
    const registers = [this.registry];
    const { hosts, commands, tasks, notifications } = deps;
    // Counts by status: one grouped count per table, read once per scrape (every gauge's collect is called in
    // the same tick, they share the one read in flight).
    let reading: Promise<Record<string, number>[]> | undefined;
    const counts = () => {
      reading ??= Promise.all([hosts.countByStatus(), commands.countByStatus(), tasks.countByStatus()]).finally(() => {
        reading = undefined;
      });
      return reading;
    };
    const gauge = (name: string, help: string, which: 0 | 1 | 2, statuses: readonly string[] | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: statuses ? ["status"] : [],
        registers,
        async collect() {
          const row = (await counts())[which]!;
          if (!statuses) this.set(row.online ?? 0);
          else for (const s of statuses) this.set({ status: s }, row[s] ?? 0);
        },
      });
    gauge("edge_agents_connected", "Hosts whose agent is connected (online).", 0, undefined);
    gauge("edge_hosts", "Hosts (not decommissioned) by status.", 0, HOST_STATUSES);
    gauge("edge_commands", "Commands by status.", 1, COMMAND_STATUSES);
    gauge("edge_tasks", "Tasks by status.", 2, TASK_STATUSES);
    new Gauge({
      name: "edge_notifications_created_total",
      help: "Notifications stored by this replica since start.",
      registers,
      collect() {
        this.set(notifications.created);
      },
    });
    this.roundTrip = new Histogram({
      name: "edge_command_round_trip_seconds",
      help: "Command creation to its terminal status (completed, failed, cancelled, expired), as this replica saw it.",
      labelNames: ["status"],
      buckets: ROUND_TRIP_BUCKETS,
      registers,
    });
    this.scheduling = new Histogram({
      name: "edge_task_scheduling_seconds",
      help: "Task creation (or its latest queueing) to its assignment to a machine.",
      buckets: SCHEDULING_BUCKETS,
      registers,
    });
    this.httpDuration = new Histogram({
      name: "edge_http_request_duration_seconds",
      help: "HTTP request duration by method, route template and status code.",
      labelNames: ["method", "route", "code"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.httpResponses = new Counter({
      name: "edge_http_responses_total",
      help: "HTTP answers of this replica by method and status class.",
      labelNames: ["method", "code"],
      registers,
    });
    this.mqttMessage = directionCounter(
      registers,
      "edge_mqtt_messages_total",
      "MQTT messages of this replica's bridge by direction (in: from agents, out: to agents) and channel.",
      "channel",
    );
    this.grpcMessage = directionCounter(
      registers,
      "edge_grpc_messages_total",
      "gRPC stream messages by direction and service (agent: AgentSession, operator: Operator.Watch).",
      "service",
    );
    const pool = (name: string, help: string, pick: (p: PoolUse) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const use = deps.pool?.();
          if (use) this.set(pick(use));
        },
      });
    pool("edge_db_pool_max", "Database connections the pools may open (PGlite: its one session).", (p) => p.max);
    pool("edge_db_pool_active", "Database statements and transactions in flight.", (p) => p.active);
    pool(
      "edge_db_pool_waiting",
      "Database work waiting for a connection (in flight beyond the pool size).",
      (p) => p.waiting,
    );
    collectDefaultMetrics({ register: this.registry });
  }

  /** The database's pool use (wired once the database is open). */
  setPool(pool: () => PoolUse) {
    this.deps.pool = pool;
  }

  /**
   * Event bus listener: a command created on this replica and finished is one observation of the round trip from
   * creation to its terminal status, as this replica saw it; a task assigned is one of its scheduling delay.
   */
  observe(event: DomainEvent) {
    const now = Date.now();
    if (event.type === "command.created") this.track(event.commandId, now);
    else if (event.type === "commands.created") for (const c of event.commands) this.track(c.id, now);
    else if (event.type === "command.transition" && isTerminal(event.status)) {
      const started = this.createdAt.get(event.commandId);
      if (started === undefined) return;
      this.createdAt.delete(event.commandId);
      this.roundTrip.observe({ status: event.status }, (now - started) / 1000);
    } else if (event.type === "task.transition" && event.status === "assigned" && event.queuedMs !== undefined)
      this.scheduling.observe(Math.max(0, event.queuedMs) / 1000);
  }

  private track(commandId: string, now: number) {
    if (this.createdAt.size >= MAX_TRACKED) this.createdAt.delete(this.createdAt.keys().next().value!);
    this.createdAt.set(commandId, now);
  }

  /** One HTTP answer: `route` is the matched route template (`/api/v1/hosts/:id`), never the raw path. */
  countRequest(method: string, status: number, route?: string, seconds?: number) {
    this.httpResponses.inc({ method, code: `${Math.floor(status / 100)}xx` });
    if (seconds !== undefined)
      this.httpDuration.observe({ method, route: route ?? "unmatched", code: String(status) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

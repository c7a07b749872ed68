/**
 * Domain events that every control plane on the database must see (for live watches), carried by
 * PostgreSQL NOTIFY: a watch on one replica sees what an agent session on another one reports.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../db/connect";
import type { DomainEvent, EventBus } from "./events";

export const CHANNEL = "edge_events";
/** The events watchers want (not trigger bookkeeping). */
const SHARED: ReadonlySet<DomainEvent["type"]> = new Set([
  "host.status",
  "command.transition",
  "command.log",
  "task.transition",
  "host.changed",
  "notification.created",
  "session.revoked",
]);

export type WatchedEvent = Extract<
  DomainEvent,
  {
    type:
      | "host.status"
      | "command.transition"
      | "command.log"
      | "task.transition"
      | "host.changed"
      | "notification.created"
      | "session.revoked";
  }
>;
type Listener = (event: WatchedEvent) => void;

export class ClusterEvents {
  private readonly listeners = new Set<Listener>();
  /** Listeners of one host's events (a host watch), by `tenantId/hostId`: an event reaches only its host's. */
  private readonly byHost = new Map<string, Set<Listener>>();
  private stopListening?: () => Promise<void>;
  private stopRelaying?: () => void;

  constructor(
    private readonly database: Database,
    private readonly local: EventBus,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    this.stopListening = await this.database.listen(CHANNEL, (payload) => {
      // Every command's transitions come here: with no watch open, not even parsed.
      if (this.listeners.size === 0 && this.byHost.size === 0) return;
      let event: WatchedEvent;
      try {
        event = JSON.parse(payload);
      } catch {
        return;
      }
      for (const listener of this.listeners) listener(event);
      // Host watches hear their host's events only (a task or a session is not a host's).
      if (event.type === "task.transition" || !("hostId" in event)) return;
      for (const listener of this.byHost.get(`${event.tenantId}/${event.hostId}`) ?? []) listener(event);
    });
    this.stopRelaying = this.local.subscribe(async (event) => {
      if (!SHARED.has(event.type)) return;
      // Sent by the statement that made the change (one round trip): every replica has it already.
      if ("notified" in event && event.notified) return;
      // NOTIFY payloads are limited to 8000 bytes; log lines are capped well below that by the agent.
      const payload = JSON.stringify(event);
      if (payload.length > 7900) return this.onError(new Error(`event too large to share (${payload.length} bytes)`));
      // The event's type (a fixed name) in the statement's text tells in statistics what each NOTIFY carried.
      await this.database.db.execute(sql`select pg_notify(${CHANNEL}, ${payload}) -- ${sql.raw(event.type)}`);
    });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Only the events of one host (as `subscribe`, without looking at every other host's events). */
  subscribeHost(tenantId: string, hostId: string, listener: Listener): () => void {
    const key = `${tenantId}/${hostId}`;
    let set = this.byHost.get(key);
    if (!set) {
      set = new Set();
      this.byHost.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byHost.get(key) === set) this.byHost.delete(key);
    };
  }

  async stop(): Promise<void> {
    this.stopRelaying?.();
    await this.stopListening?.();
  }
}

/**
 * Group commit of the agents' presence (ONLINE on connect, OFFLINE from the Last Will): presences arriving within a
 * few milliseconds (or until a batch is full) are applied by ONE statement for all their hosts (HostService's
 * `setPresenceMany`), and the hosts that came online are reconciled together, one statement per kind of thing
 * to resend for each tenant of the batch (see `AgentDelivery.reconcileManyOverBroker`). A connect storm of
 * thousands of agents thus costs a few statements per batch instead of a dozen per agent.
 * Each presence resolves once its batch is applied and its host reconciled, as the single path did. A batch holds at
 * most one presence per host (the next one waits for the following batch), so a host's presences apply in order.
 */
import { asSystem } from "../../db/context";
import type { AgentDeps } from "./deps";
import type { AgentDelivery } from "./delivery";
import type { AgentSequences } from "./sequence";

export interface PresenceBatchOptions {
  /** How long the first presence of a batch waits for others (ms). */
  flushMs: number;
  /** Presences per statement. */
  maxBatch: number;
  /** Batches in flight at once. */
  maxInFlight: number;
}

export const DEFAULT_PRESENCE_BATCH: PresenceBatchOptions = { flushMs: 5, maxBatch: 500, maxInFlight: 2 };

interface Pending {
  tenantId: string;
  hostId: string;
  /** The agent's identity, when known: its sequence row is created with its presence. */
  runtimeId?: string;
  online: boolean;
  agentVersion: string;
  done: () => void;
  fail: (error: unknown) => void;
}

export class PresenceBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deps: AgentDeps,
    private readonly delivery: AgentDelivery,
    private readonly sequences: AgentSequences,
    private readonly opts: PresenceBatchOptions = DEFAULT_PRESENCE_BATCH,
  ) {}

  /** Applies an agent's presence with others; resolves once applied (and, online, its host reconciled). */
  apply(tenantId: string, hostId: string, online: boolean, agentVersion: string, runtimeId?: string): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ tenantId, hostId, online, agentVersion, runtimeId, done, fail });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.queue.length === 0 || this.inFlight >= this.opts.maxInFlight) return;
    if (this.queue.length >= this.opts.maxBatch) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.opts.flushMs);
    }
  }

  private flush(): void {
    if (this.queue.length === 0 || this.inFlight >= this.opts.maxInFlight) return;
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const hosts = new Set<string>();
    for (const p of this.queue) {
      if (batch.length >= this.opts.maxBatch || hosts.has(p.hostId)) rest.push(p);
      else {
        batch.push(p);
        hosts.add(p.hostId);
      }
    }
    this.queue = rest;
    this.inFlight++;
    // Explicitly system: a timer inherits the context of whatever scheduled it.
    // The slot is held for the statements only: the reconcile's publishes (which may wait on slow agents) go on
    // outside it, so they never hold back the next batches' presences.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.schedule();
    };
    asSystem("agents' presence, batched across tenants", () => this.store(batch, release))
      .then(
        () => {
          for (const p of batch) p.done();
        },
        (error) => {
          for (const p of batch) p.fail(error);
        },
      )
      .finally(release);
  }

  private async store(batch: Pending[], stored: () => void): Promise<void> {
    const applied = await this.deps.hosts.setPresenceMany(batch);
    const online = new Set(batch.filter((p) => p.online).map((p) => p.hostId));
    const found = new Set(applied.map((h) => h.hostId));
    await this.sequences.ensureMany(
      batch.flatMap((p) =>
        p.online && p.runtimeId && found.has(p.hostId)
          ? [{ tenantId: p.tenantId, hostId: p.hostId, runtimeId: p.runtimeId }]
          : [],
      ),
    );
    const byTenant = new Map<string, { id: string; environmentId: string | null }[]>();
    for (const host of applied) {
      if (!online.has(host.hostId)) continue;
      const list = byTenant.get(host.tenantId) ?? [];
      list.push({ id: host.hostId, environmentId: host.environmentId });
      byTenant.set(host.tenantId, list);
    }
    stored();
    await Promise.all(
      [...byTenant].map(([tenantId, targets]) => this.delivery.reconcileManyOverBroker(tenantId, targets)),
    );
  }
}

/** In-process domain events: services publish after a change commits; triggers, transports and watchers subscribe. */
import type { Status, TaskStatus } from "./lifecycle";

/** What an agent needs of a new command. */
export interface CommandToDeliver {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  timeoutMs: number | null;
  createdAt: Date;
  /** `running` when re-sent to reconcile: the agent must not start it if it has no record of it. */
  status?: Status;
  /** Deadline to start by; null = none. */
  notAfter?: Date | null;
}

/** One host's emergency stop (engaged) or reset (released) order; the highest generation wins on the agent. */
export interface EstopOrder {
  hostId: string;
  generation: number;
  engaged: boolean;
  reason: string;
  atMs: number;
}

export type DomainEvent =
  | { type: "host.status"; tenantId: string; hostId: string; status: string; previous: string }
  | {
      type: "command.created";
      tenantId: string;
      hostId: string;
      commandId: string;
      command: CommandToDeliver;
      /** The host's status when the command was created (delivery need not look it up again). */
      hostStatus?: string;
    }
  /** Many commands created at once (a fleet batch, a rollout step): delivered with one reachability query. */
  | {
      type: "commands.created";
      tenantId: string;
      commands: (CommandToDeliver & { hostId: string })[];
      /** Each host's status when the commands were created, if read then (delivery need not look them up again). */
      hostStatuses?: Readonly<Record<string, string>>;
    }
  | {
      type: "command.transition";
      tenantId: string;
      hostId: string;
      commandId: string;
      status: Status;
      error?: string | null;
      kind?: string;
      /** Already sent to every replica by the statement that made it (NOTIFY): not to be relayed again. */
      notified?: boolean;
      /** false: the command runs no task stage (known from the statement that moved it). */
      taskStage?: boolean;
      /** false: no enabled event trigger of the tenant listens for this status. */
      eventTriggers?: boolean;
    }
  | {
      type: "task.transition";
      tenantId: string;
      taskId: string;
      status: TaskStatus;
      /** Already sent to every replica by the statement that made it (NOTIFY): not to be relayed again. */
      notified?: boolean;
      /** false: no task of the tenant was queued when this one finished (no freed slot for the scheduler to fill). */
      queued?: boolean;
      /** assigned: how long the task waited since it was created (the scheduling histogram). */
      queuedMs?: number;
    }
  | {
      type: "command.log";
      tenantId: string;
      hostId: string;
      commandId: string;
      stream: string;
      line: string;
      atMs: number;
    }
  | { type: "runtime.revoked"; tenantId: string; runtimeId: string; hostId: string }
  /** A host's machine-side fields changed (drain, labels, slots, decommission...): live views reload it. */
  | { type: "host.changed"; tenantId: string; hostId: string; draining: boolean }
  /**
   * A notice was stored for its audience (modules/notifications): live views tell the users it is for. The audience,
   * not the recipients, travels (a tenant-wide notice would not fit a NOTIFY payload); each replica applies it.
   */
  | {
      type: "notification.created";
      tenantId: string;
      kind: string;
      title: string;
      body: string;
      taskId: string | null;
      hostId: string | null;
      /** null: every user of the tenant; else the project's members and the tenant admins ("" = admins only). */
      projectId: string | null;
      /** Already sent to every replica by the statement that stored it (NOTIFY): not to be relayed again. */
      notified?: boolean;
    }
  /** An MQTT consumer key was revoked: its broker connections must end now. */
  | { type: "consumer_key.revoked"; tenantId: string; keyId: string }
  /** A token family was revoked (logout, refresh-token reuse): connections opened with its tokens must end now. */
  | { type: "session.revoked"; tenantId: string; familyId: string; runtimeId?: string; userId?: string }
  /** Safety policies, environments or host assignments changed: agents need a fresh policy set. */
  | { type: "policies.changed"; tenantId: string }
  /** Emergency stops or resets to deliver on every live path at once. */
  | { type: "estop.requested"; tenantId: string; orders: EstopOrder[] }
  /** A rollout was created or steered (pause, resume, abort, approve): the rollout driver looks at it now. */
  | { type: "rollout.changed"; tenantId: string; rolloutId: string }
  /** The rollout driver paused a rollout on its own (a failure or success threshold): people should hear of it. */
  | { type: "rollout.paused"; tenantId: string; rolloutId: string; name: string; reason: string }
  /** A host's agent has enforced an older policy set than desired for longer than the bound. */
  | { type: "host.policy_lagging"; tenantId: string; hostId: string; desired: number; enforced: number | null };

type Listener = (event: DomainEvent) => void | Promise<void>;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Like publish, but resolves once every listener has handled the event (e.g. a cancel has been sent). */
  async publishAndWait(event: DomainEvent): Promise<void> {
    await Promise.all(
      [...this.listeners].map((listener) =>
        Promise.resolve()
          .then(() => listener(event))
          .catch(this.onListenerError),
      ),
    );
  }

  /**
   * Delivers to every listener after the publisher's current turn (one microtask for all of them: a fleet command
   * publishes thousands of events); a failing listener never breaks the publisher or the other listeners.
   */
  publish(event: DomainEvent): void {
    queueMicrotask(() => {
      for (const listener of this.listeners) {
        try {
          const handled = listener(event);
          if (handled) handled.catch(this.onListenerError);
        } catch (err) {
          this.onListenerError(err);
        }
      }
    });
  }
}

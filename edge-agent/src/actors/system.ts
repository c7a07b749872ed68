import { ActorCell, type CellHost } from "./actor.ts";
import { resolveSupervision, type SupervisionOptions } from "./supervisor.ts";
import type { ActorEvent, ActorRef, BehaviorFactory, StopOptions } from "./types.ts";

export interface ActorSystemOptions {
  /** Defaults for every actor; see DEFAULT_SUPERVISION. */
  supervision?: Partial<SupervisionOptions>;
  /** Called after an actor exhausted its restarts and was stopped. */
  onEscalate?: (actorName: string, error: unknown) => void;
  /** Lifecycle listener (logging, metrics, tests). */
  onEvent?: (event: ActorEvent) => void;
  /** Default `ask` timeout (default 5000ms). */
  askTimeoutMs?: number;
}

export interface SpawnOptions {
  /** Overrides the system's supervision options for this actor. */
  supervision?: Partial<SupervisionOptions>;
  /** Bounded mailbox; messages beyond it are dropped (default unbounded). */
  mailboxCapacity?: number;
  askTimeoutMs?: number;
}

/** The type-erased view of a cell the registry needs. */
interface CellHandle {
  readonly ref: ActorRef<never>;
  stop(options?: StopOptions): Promise<void>;
}

/** Spawns, looks up and stops named actors. */
export class ActorSystem {
  private readonly cells = new Map<string, CellHandle>();
  private readonly supervision: SupervisionOptions;
  private readonly host: CellHost;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: ActorSystemOptions = {}) {
    this.supervision = resolveSupervision(options.supervision);
    this.host = {
      system: this,
      emit: (event) => guard(() => this.options.onEvent?.(event)),
      escalate: (actor, error) => guard(() => this.options.onEscalate?.(actor, error)),
      terminated: (actor, cell) => {
        if (this.cells.get(actor) === cell) this.cells.delete(actor);
      },
    };
  }

  /** Starts an actor; throws if the name is taken or the system is stopping. */
  spawn<M>(name: string, factory: BehaviorFactory<M>, options: SpawnOptions = {}): ActorRef<M> {
    if (this.stopping !== undefined) throw new Error(`cannot spawn "${name}": actor system is stopping`);
    if (!name) throw new Error("actor name must be a non-empty string");
    if (this.cells.has(name)) throw new Error(`actor "${name}" already exists`);
    const cell = new ActorCell<M>(name, factory, this.host, {
      supervision: resolveSupervision(this.supervision, options.supervision),
      mailboxCapacity: options.mailboxCapacity,
      askTimeoutMs: options.askTimeoutMs ?? this.options.askTimeoutMs ?? 5000,
    });
    this.cells.set(name, cell);
    cell.start();
    return cell.ref;
  }

  /** Looks up a live actor. The message type is the caller's assertion. */
  get<M>(name: string): ActorRef<M> | undefined {
    return this.cells.get(name)?.ref as ActorRef<M> | undefined;
  }

  /** Names of actors not yet fully stopped, in spawn order. */
  names(): string[] {
    return [...this.cells.keys()];
  }

  /**
   * Stops one actor; resolves once postStop has run (immediately if unknown).
   * Don't await this from inside the actor's own receive: it would wait for itself.
   */
  stopActor(name: string, options?: StopOptions): Promise<void> {
    return this.cells.get(name)?.stop(options) ?? Promise.resolve();
  }

  /**
   * Stops all actors, newest first (so actors can still reach the older ones they
   * depend on while draining). Idempotent; no spawning afterwards.
   */
  stop(options?: StopOptions): Promise<void> {
    this.stopping ??= (async () => {
      for (const cell of [...this.cells.values()].reverse()) await cell.stop(options);
    })();
    return this.stopping;
  }
}

/** Callback errors must never break the runtime. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    // ignored
  }
}

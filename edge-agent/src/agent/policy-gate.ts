/**
 * Safety policy actor: the last line of defence. Holds the latest PolicySet (persisted, so it is enforced
 * without the control plane) and admits or refuses every command. Fails closed: until a set is known,
 * commands wait up to policyWaitMs, then are refused.
 */
import type { ActorContext, Behavior, ReplyTo } from "../actors/index.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import { evaluateCommand, pruneRecentAccepted, rateWindowMs } from "../policy/index.ts";
import type { CommandStore } from "../store/command-store.ts";
import type { PolicyStore } from "../store/policy-store.ts";
import { codecs } from "@edge/proto/wire";
import { toActivePolicies, type ActivePolicies } from "./policy-set.ts";

export interface AdmissionRequest {
  commandId: string;
  kind: string;
  params: Record<string, unknown>;
}

/** `error` is the CommandUpdate error to report. */
export type Admission = { allowed: true } | { allowed: false; error: string };

export type PolicyGateMsg =
  /** A PolicySet payload from the broker; replies once persisted (or ignored). */
  | { type: "policySet"; payload: Uint8Array; replyTo?: ReplyTo<void> }
  /** Admitted commands are marked running in the command store before the reply. */
  | { type: "admit"; request: AdmissionRequest; replyTo: ReplyTo<Admission> }
  /** A decision for something that is not a command (an app start, an agent run): nothing is recorded. */
  | { type: "check"; request: { kind: string; params: Record<string, unknown> }; replyTo: ReplyTo<Admission> }
  | { type: "waitExpired"; commandId: string }
  /** A waiting command was cancelled: refuse it now instead of admitting it later. */
  | { type: "withdraw"; commandId: string }
  /** Refuse waiting and future commands (agent shutdown). */
  | { type: "close"; replyTo?: ReplyTo<void> };

export interface PolicyGateDeps {
  policyStore: PolicyStore;
  commands: CommandStore;
  policyWaitMs: number;
  log: Logger;
  now?: () => number;
  /** Told the version of each set once it is enforced (and persisted, when it came from the broker). */
  onEnforced?(version: number, source: "broker" | "store"): void;
}

export const NO_POLICY_ERROR = "no safety policy set received";
export const REFUSAL_PREFIX = "refused by safety policy: ";

/** Something that is not a command (an app start, an agent run, a terminal, a tunnel). */
type CheckRequest = { kind: string; params: Record<string, unknown>; commandId?: undefined };

interface Waiting {
  request: AdmissionRequest | CheckRequest;
  replyTo: ReplyTo<Admission>;
}

export function policyGate(deps: PolicyGateDeps) {
  const now = deps.now ?? Date.now;
  return ({ timers }: ActorContext<PolicyGateMsg>): Behavior<PolicyGateMsg> => {
    let active: ActivePolicies | undefined;
    let recentAcceptedAt: number[] = [];
    const waiting = new Map<string, Waiting>();
    let closed = false;
    let checks = 0;

    function decide(request: AdmissionRequest | CheckRequest): Admission {
      if (!active) return { allowed: false, error: NO_POLICY_ERROR };
      const unreadable = active.unreadable[0];
      if (unreadable) {
        return {
          allowed: false,
          error: `${REFUSAL_PREFIX}policy ${JSON.stringify(unreadable.name)} (${unreadable.id}): rules_json is not a JSON object`,
        };
      }
      const nowMs = now();
      recentAcceptedAt = pruneRecentAccepted(recentAcceptedAt, active.policies, nowMs);
      const decision = evaluateCommand(
        active.policies,
        { kind: request.kind, params: request.params },
        { now: new Date(nowMs), running: deps.commands.countRunning(), recentAcceptedAt },
      );
      if (!decision.allowed) return { allowed: false, error: REFUSAL_PREFIX + decision.reason };
      if (request.commandId === undefined) return { allowed: true };
      if (!deps.commands.accept(request.commandId, nowMs))
        return { allowed: false, error: "command is no longer pending" };
      recentAcceptedAt.push(nowMs);
      return { allowed: true };
    }

    // Refusals are logged by the command runner, which reports them.
    const answer = (request: AdmissionRequest | CheckRequest, replyTo: ReplyTo<Admission>) => replyTo(decide(request));

    function install(payload: Uint8Array, source: "broker" | "store"): number {
      const set = codecs.policySet.decode(payload);
      active = toActivePolicies(set);
      // The command store is the durable history; a new set may introduce a longer rate window.
      const window = rateWindowMs(active.policies);
      recentAcceptedAt = window > 0 ? deps.commands.acceptedSince(now() - window) : [];
      const enabled = active.policies.filter((p) => p.enabled).length;
      deps.log.info(
        `safety policy set ${source === "store" ? "loaded from local state" : "received"}: ${enabled} enabled of ${active.policies.length + active.unreadable.length}` +
          (active.unreadable.length ? `, ${active.unreadable.length} unreadable (all commands refused)` : "") +
          (set.version ? `, version ${set.version}` : ""),
      );
      return set.version ?? 0;
    }

    return {
      preStart() {
        const stored = deps.policyStore.load();
        if (!stored) return;
        try {
          const version = install(stored, "store");
          deps.onEnforced?.(version, "store");
        } catch (error) {
          deps.log.error(`stored safety policy set is unreadable, waiting for a new one: ${errorMessage(error)}`);
        }
      },

      receive(msg) {
        switch (msg.type) {
          case "policySet": {
            // An empty retained payload clears the retained message on the broker; it is not "no rules".
            if (msg.payload.length === 0)
              deps.log.warn("ignoring empty policy set payload (retained message cleared?)");
            else {
              try {
                const version = install(msg.payload, "broker");
                deps.policyStore.save(msg.payload);
                deps.onEnforced?.(version, "broker");
              } catch (error) {
                deps.log.error(`ignoring undecodable policy set: ${errorMessage(error)}`);
              }
            }
            msg.replyTo?.();
            if (active) {
              for (const [id, entry] of waiting) {
                waiting.delete(id);
                timers.cancel(`wait:${id}`);
                answer(entry.request, entry.replyTo);
              }
            }
            return;
          }
          case "admit": {
            if (closed) return msg.replyTo({ allowed: false, error: "agent is shutting down" });
            if (active || deps.policyWaitMs === 0) return answer(msg.request, msg.replyTo);
            const { commandId } = msg.request;
            deps.log.info(`command ${commandId} waits for a safety policy set (up to ${deps.policyWaitMs}ms)`);
            timers.startSingleTimer(`wait:${commandId}`, { type: "waitExpired", commandId }, deps.policyWaitMs);
            waiting.set(commandId, { request: msg.request, replyTo: msg.replyTo });
            return;
          }
          case "check": {
            if (closed) return msg.replyTo({ allowed: false, error: "agent is shutting down" });
            if (active || deps.policyWaitMs === 0) return msg.replyTo(decide(msg.request));
            // Just connected, no set yet: wait for it as a command does, rather than refuse what it would allow.
            const id = `check:${++checks}`;
            timers.startSingleTimer(`wait:${id}`, { type: "waitExpired", commandId: id }, deps.policyWaitMs);
            waiting.set(id, { request: msg.request, replyTo: msg.replyTo });
            return;
          }
          case "waitExpired": {
            const entry = waiting.get(msg.commandId);
            if (!entry) return;
            waiting.delete(msg.commandId);
            entry.replyTo({ allowed: false, error: NO_POLICY_ERROR });
            return;
          }
          case "withdraw": {
            const entry = waiting.get(msg.commandId);
            if (!entry) return;
            waiting.delete(msg.commandId);
            timers.cancel(`wait:${msg.commandId}`);
            entry.replyTo({ allowed: false, error: "cancelled" });
            return;
          }
          case "close": {
            closed = true;
            for (const entry of waiting.values())
              entry.replyTo({ allowed: false, error: `${NO_POLICY_ERROR} before the agent shut down` });
            waiting.clear();
            timers.cancelAll();
            msg.replyTo?.();
            return;
          }
        }
      },

      postStop() {
        // Crash or stop: waiting commands must not hang until their ask times out.
        for (const entry of waiting.values()) entry.replyTo.fail(new Error("safety policy actor stopped"));
        waiting.clear();
      },
    };
  };
}

/** Triggers: cron-scheduled or event-driven task creation. */
import { and, asc, eq, lte, sql, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db } from "../../db/connect";
import { triggers } from "../../db/schema";
import type { DomainEvent } from "../../lib/events";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { invalid, notFound } from "../../lib/errors";
import type { TaskService } from "../tasks/service";
import type { TriggerCreateBody } from "./model";
import { nextFireTime, scheduleProblem } from "./schedule";

export class TriggerService {
  constructor(
    private readonly db: Db,
    private readonly tasks: TaskService,
  ) {}

  async create(tenantId: string, { task, ...input }: Static<typeof TriggerCreateBody>) {
    if (input.kind === "cron") {
      if (!input.schedule) throw invalid("invalid body: schedule is required for cron triggers");
      const problem = scheduleProblem(input.schedule, input.timezone);
      if (problem) throw invalid(`invalid body: schedule: ${problem}`);
      if (input.event) throw invalid("invalid body: event is only for event triggers");
    } else {
      if (!input.event) throw invalid("invalid body: event is required for event triggers");
      if (input.schedule) throw invalid("invalid body: schedule is only for cron triggers");
    }
    await this.tasks.assertTemplate(this.db, tenantId, task);
    const nextFireAt = input.kind === "cron" ? nextFireTime(input.schedule!, input.timezone, new Date()) : null;
    const [row] = await this.db
      .insert(triggers)
      .values({ ...input, id: newId("trg"), tenantId, taskTemplate: task, nextFireAt })
      .returning();
    return present(row!);
  }

  async list(tenantId: string) {
    const rows = await this.db
      .select()
      .from(triggers)
      .where(eq(triggers.tenantId, tenantId))
      .orderBy(asc(triggers.name));
    return rows.map(present);
  }

  async remove(tenantId: string, id: string) {
    const [row] = await this.db
      .delete(triggers)
      .where(and(eq(triggers.id, id), eq(triggers.tenantId, tenantId)))
      .returning({ id: triggers.id });
    if (!row) throw notFound("trigger");
    return { id: row.id, deleted: true };
  }

  /**
   * Fires every due cron trigger once. Safe with many control planes on one database:
   * due rows are claimed with FOR UPDATE SKIP LOCKED and advanced in the same transaction,
   * and (trigger, tick) is unique on tasks. Missed ticks (downtime) fire once, not once each.
   */
  async fireDue(now = new Date()): Promise<number> {
    return this.db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(triggers)
        .where(and(eq(triggers.enabled, true), eq(triggers.kind, "cron"), lte(triggers.nextFireAt, now)))
        .orderBy(asc(triggers.nextFireAt))
        .limit(100)
        .for("update", { skipLocked: true });
      for (const trigger of due) {
        await this.tasks.insert(tx, trigger.tenantId, trigger.taskTemplate, {
          triggerId: trigger.id,
          scheduledFor: trigger.nextFireAt!,
        });
        await tx
          .update(triggers)
          .set({ lastFiredAt: trigger.nextFireAt, nextFireAt: nextFireTime(trigger.schedule!, trigger.timezone, now) })
          .where(eq(triggers.id, trigger.id));
      }
      return due.length;
    });
  }

  /** Creates a task for each enabled event trigger matching a domain event. */
  /** Whether the tenant has enabled event triggers on `eventName`, as a condition of a statement. */
  eventTriggersSql(tenantId: SQL, eventName: SQL): SQL {
    return sql`exists (select 1 from ${triggers} tr where tr.tenant_id = ${tenantId} and tr.kind = 'event'
      and tr.event = ${eventName} and tr.enabled)`;
  }

  async onEvent(event: DomainEvent): Promise<void> {
    const name = triggerEventName(event);
    if (!name) return;
    // The statement that moved the command said whether any trigger listens (see eventTriggersSql).
    if (event.type === "command.transition" && event.eventTriggers === false) return;
    const matching = await this.db
      .select()
      .from(triggers)
      .where(
        and(
          eq(triggers.tenantId, event.tenantId),
          eq(triggers.kind, "event"),
          eq(triggers.event, name),
          eq(triggers.enabled, true),
        ),
      );
    const now = new Date();
    for (const trigger of matching) {
      const template = trigger.taskTemplate;
      await this.db.transaction(async (tx) => {
        await this.tasks.insert(
          tx,
          trigger.tenantId,
          { ...template, config: { ...template.config, event } },
          { triggerId: trigger.id },
        );
        await tx.update(triggers).set({ lastFiredAt: now }).where(eq(triggers.id, trigger.id));
      });
    }
  }
}

function triggerEventName(event: DomainEvent): string | undefined {
  if (event.type === "host.status" && (event.status === "online" || event.status === "offline"))
    return `host.${event.status}`;
  if (event.type === "host.policy_lagging") return "host.policy_lagging";
  if (
    event.type === "command.transition" &&
    (event.status === "completed" || event.status === "failed" || event.status === "expired")
  ) {
    return `command.${event.status}`;
  }
  return undefined;
}

function present(row: typeof triggers.$inferSelect) {
  const { taskTemplate, ...rest } = publicRow(row);
  return { ...rest, task: taskTemplate };
}

/** The web console's dashboard: task and machine counts, the newest tasks, the caller's latest activity. */
import type { UserPrincipal } from "../auth/principal";
import type { HostService } from "../hosts/service";
import type { NotificationService } from "../notifications/service";
import type { ProjectMemberService } from "../projects/members";
import type { TaskService } from "../tasks/service";
import { TASK_ACTIVE } from "../../lib/lifecycle";

export class DashboardService {
  constructor(
    private readonly deps: {
      tasks: TaskService;
      hosts: HostService;
      projectMembers: ProjectMemberService;
      notifications: NotificationService;
    },
  ) {}

  async stats(principal: UserPrincipal) {
    const [tasks, machines, unread] = await Promise.all([
      this.deps.tasks.metrics(principal.tenantId),
      this.deps.hosts.countByStatus(principal.tenantId),
      this.deps.notifications.unreadCount(principal.tenantId, principal.userId),
    ]);
    const machineTotal = Object.values(machines).reduce((n, c) => n + c, 0);
    return {
      tasks: {
        total: tasks.total,
        active: TASK_ACTIVE.reduce((n, s) => n + tasks.counts[s], 0),
        pending: tasks.counts.pending,
        awaitingConfirmation: tasks.counts.suspended,
        byStatus: tasks.counts,
        averageDurationMs: tasks.averageDurationMs,
      },
      machines: {
        total: machineTotal,
        online: machines.online ?? 0,
        offline: machines.offline ?? 0,
        byStatus: machines,
      },
      notifications: { unread },
    };
  }

  /** The newest tasks the caller may see. */
  async recentTasks(principal: UserPrincipal, limit: number) {
    return { items: await this.deps.tasks.recent(principal.tenantId, limit, await this.visible(principal)) };
  }

  /** The caller's latest notifications, read or not: the activity that concerns them. */
  async recentActivity(principal: UserPrincipal, limit: number) {
    const page = await this.deps.notifications.list(principal.tenantId, principal.userId, { limit });
    return { items: page.items };
  }

  /** Project ids whose tasks the caller may see; undefined = all (tenant admins). */
  private visible(principal: UserPrincipal) {
    return principal.role === "admin" || principal.isSuperadmin
      ? undefined
      : this.deps.projectMembers.projectIdsOf(principal.tenantId, principal.userId);
  }
}

/**
 * A fleet written straight into the database (tests and benchmarks that need thousands of hosts): each host with a
 * bootstrapped, unrevoked runtime identity, as an agent's bootstrap exchange would leave them.
 */
import type { Db } from "../../control-plane/src/db/connect";
import { asSystem } from "../../control-plane/src/db/context";
import { hosts, runtimeIdentities } from "../../control-plane/src/db/schema";
import { hashSecret, newSecret } from "../../control-plane/src/lib/secrets";

export interface FleetRow {
  hostId: string;
  runtimeId: string;
  name: string;
}

export async function insertFleet(
  db: Db,
  owner: { tenantId: string; userId: string },
  rows: FleetRow[],
  opts: { status?: "online" | "offline"; runtimeVersion?: string } = {},
): Promise<void> {
  const now = new Date();
  await asSystem("test fleet provisioning", async () => {
    await db
      .insert(hosts)
      .values(rows.map((r) => ({ id: r.hostId, tenantId: owner.tenantId, name: r.name, status: opts.status })));
    await db.insert(runtimeIdentities).values(
      rows.map((r) => ({
        id: r.runtimeId,
        tenantId: owner.tenantId,
        hostId: r.hostId,
        createdBy: owner.userId,
        name: r.name,
        bootstrapTokenHash: hashSecret(newSecret("unused_")),
        bootstrapExpiresAt: now,
        bootstrapUsedAt: now,
        runtimeVersion: opts.runtimeVersion,
      })),
    );
  });
}

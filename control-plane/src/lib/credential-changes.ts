/**
 * Changes to what a credential authenticates as (an API key revoked, a user disabled or given another role), for
 * caches of resolved credentials. Every replica learns of them through the database (trigger → NOTIFY
 * `edge_credentials`, migration 0020); the replica that made the change also says so here before it answers, so
 * its own next request never sees the old answer.
 */
export const CREDENTIALS_CHANNEL = "edge_credentials";

export class CredentialChanges {
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }
}

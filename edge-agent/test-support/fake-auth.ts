/** A control plane stand-in for the runtime auth calls: rotates tokens, or answers as configured. */
import type { AuthApi, AuthResult } from "../src/auth/control-plane-client.ts";
import { TEST_IDENTITY } from "./helpers.ts";

export class FakeAuthApi implements AuthApi {
  refreshCalls: string[] = [];
  exchangeCalls: { runtimeId: string; bootstrapToken: string; runtimeVersion: string }[] = [];
  /** Next answers to return, in order; when empty, a fresh token pair is issued. */
  scripted: AuthResult[] = [];
  private issued = 0;

  /** Called with every access token issued (e.g. to tell the broker to accept it). */
  constructor(private readonly onIssued: (accessToken: string) => void = () => {}) {}

  async exchange(runtimeId: string, bootstrapToken: string, runtimeVersion: string): Promise<AuthResult> {
    this.exchangeCalls.push({ runtimeId, bootstrapToken, runtimeVersion });
    return this.answer();
  }

  async refresh(refreshToken: string): Promise<AuthResult> {
    this.refreshCalls.push(refreshToken);
    return this.answer();
  }

  private answer(): AuthResult {
    const scripted = this.scripted.shift();
    if (scripted) return scripted;
    this.issued++;
    const accessToken = `access-issued-${this.issued}`;
    this.onIssued(accessToken);
    const now = Date.now();
    return {
      ok: true,
      grant: {
        identity: TEST_IDENTITY,
        tokens: {
          accessToken,
          accessTokenExpiresAt: now + 3_600_000,
          refreshToken: `refresh-issued-${this.issued}`,
          refreshTokenExpiresAt: now + 86_400_000,
          refreshDueAt: now + 2_700_000,
        },
      },
    };
  }
}

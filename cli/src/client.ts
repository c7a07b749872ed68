/**
 * The REST client: the selected context's API URL and credential; on a 401 with a refreshable session it rotates
 * the token pair (`POST /api/auth/refresh`), saves it, and retries the request once.
 */
import { ApiError, CliError } from "./errors.ts";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { type ConfigFile, type Context, configDir, configPath, loadConfig, saveConfig } from "./config.ts";

// biome-ignore lint/suspicious/noExplicitAny: API answers are open JSON objects, read field by field
export type Row = Record<string, any>;

export interface Session {
  config: ConfigFile;
  contextName: string;
  context: Context;
  apiUrl: string;
  grpcUrl: string;
  /** A token given on the command line or in EDGECTL_TOKEN: used as is, never stored nor refreshed. */
  tokenOverride?: string;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Send no credential (device login, refresh). */
  anonymous?: boolean;
  /** Statuses answered instead of thrown. */
  allow?: number[];
  headers?: Record<string, string>;
}

export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

export class Api {
  constructor(readonly session: Session) {}

  get apiUrl() {
    return this.session.apiUrl;
  }

  /** The bearer token requests carry (none when logged out). */
  token(): string | undefined {
    const { tokenOverride, context } = this.session;
    return tokenOverride ?? context.apiKey ?? context.accessToken;
  }

  private canRefresh(): boolean {
    const { tokenOverride, context } = this.session;
    return !tokenOverride && !context.apiKey && Boolean(context.refreshToken);
  }

  async request<T = Row>(method: string, path: string, opts: RequestOptions = {}): Promise<Reply<T>> {
    let reply = await this.send<T>(method, path, opts);
    if (reply.status === 401 && !opts.anonymous && this.canRefresh()) {
      await this.refresh();
      reply = await this.send<T>(method, path, opts);
    }
    if (reply.status >= 400 && !opts.allow?.includes(reply.status)) {
      const body = reply.body as { error?: unknown } | undefined;
      const error = typeof body?.error === "string" ? body.error : `HTTP ${reply.status}`;
      if (reply.status === 401 && !opts.anonymous) {
        const hint = this.token() ? "" : " (not logged in: run `edgectl login`)";
        throw new ApiError(401, `${error}${hint}`, reply.body);
      }
      throw new ApiError(reply.status, error, reply.body);
    }
    return reply;
  }

  get = <T = Row>(path: string, query?: RequestOptions["query"]) =>
    this.request<T>("GET", path, { query }).then((r) => r.body);
  post = <T = Row>(path: string, body?: unknown) => this.request<T>("POST", path, { body }).then((r) => r.body);
  put = <T = Row>(path: string, body?: unknown) => this.request<T>("PUT", path, { body }).then((r) => r.body);
  delete = <T = Row>(path: string) => this.request<T>("DELETE", path).then((r) => r.body);

  private async send<T>(method: string, path: string, opts: RequestOptions): Promise<Reply<T>> {
    const url = new URL(path, `${this.session.apiUrl.replace(/\/$/, "")}/`);
    for (const [key, value] of Object.entries(opts.query ?? {}))
      if (value !== undefined && value !== "") url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
    const token = opts.anonymous ? undefined : this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body });
    } catch (error) {
      throw new CliError(`cannot reach ${this.session.apiUrl}: ${(error as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /**
   * Rotates the stored token pair. Under a lock file, and only if no other edgectl process rotated it meanwhile
   * (then its new pair is taken): presenting an already-rotated refresh token would revoke the whole session.
   */
  async refresh(): Promise<void> {
    const { context, contextName } = this.session;
    const used = context.refreshToken;
    const release = await lockConfig();
    try {
      const onDisk = loadConfig().contexts[contextName];
      if (onDisk?.refreshToken && onDisk.refreshToken !== used) {
        Object.assign(context, onDisk);
        return;
      }
      const reply = await this.send<Record<string, string>>("POST", "/api/auth/refresh", {
        body: { refreshToken: used },
        anonymous: true,
      });
      if (reply.status !== 200) {
        delete context.accessToken;
        delete context.refreshToken;
        this.save();
        throw new CliError("session expired or revoked: run `edgectl login` again");
      }
      this.storeTokens(reply.body);
    } finally {
      release();
    }
  }

  storeTokens(tokens: Record<string, unknown>): void {
    const { context } = this.session;
    delete context.apiKey;
    context.accessToken = String(tokens.accessToken);
    context.refreshToken = String(tokens.refreshToken);
    if (tokens.accessTokenExpiresAt) context.accessTokenExpiresAt = String(tokens.accessTokenExpiresAt);
    if (tokens.refreshTokenExpiresAt) context.refreshTokenExpiresAt = String(tokens.refreshTokenExpiresAt);
    if (tokens.userId) context.userId = String(tokens.userId);
    this.save();
  }

  /** Writes this context back, keeping the others as they are on disk now (another process may have changed them). */
  save(): void {
    const { config, contextName, context } = this.session;
    const fresh = loadConfig();
    fresh.contexts[contextName] = context;
    fresh.currentContext = config.currentContext;
    config.contexts = fresh.contexts;
    saveConfig(fresh);
  }
}

/** A lock directory next to the config file (mkdir is atomic); a lock older than 30 s is taken over. */
async function lockConfig(): Promise<() => void> {
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  const lock = `${configPath()}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      return () => rmSync(lock, { recursive: true, force: true });
    } catch {
      const since = (() => {
        try {
          return Date.now() - statSync(lock).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if (since > 30_000 || attempt > 200) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

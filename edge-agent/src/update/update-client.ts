/** The control plane's runtime update REST calls (bearer = the runtime's current access token). */
import { Value } from "@sinclair/typebox/value";
import {
  type UpdateApplyBody,
  UpdateAnswer as UpdateAnswerContract,
  type UpdateCheckBody,
  type UpdateReportBody,
  type UpdateReportStatus,
} from "@edge/proto/http/agent";

/** The answer of check and apply: the contract in proto/http/agent.ts. */
const UpdateAnswerSchema = UpdateAnswerContract;
export type UpdateAnswer = UpdateAnswerContract;

export type { UpdateReportStatus };

/** What the agent reports after an update (an `UpdateReportBody` that always names its channel). */
export type UpdateReport = UpdateReportBody & { channel: string; status: UpdateReportStatus };

/** A non-2xx answer (`status`) or a transport/format problem (`status` undefined). */
export class UpdateApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "UpdateApiError";
  }
}

/** Which script to download: its path and digest in the signed manifest, of the release being applied. */
export interface ScriptRef {
  path: string;
  sha256: string;
  releaseId?: string;
}

/** What the agent asks to apply (`approved` is added on the wire); `publicKey` is the pinned key, so the control
 * plane authorises the release this agent verified. */
export type ApplyRequest = Omit<UpdateApplyBody, "approved" | "channel"> & { channel: string };

export interface UpdateApi {
  /** `publicKey`: the pinned key; only releases signed with it are offered. */
  check(currentVersion: string, channel: string, publicKey?: string): Promise<UpdateAnswer>;
  apply(body: ApplyRequest): Promise<UpdateAnswer>;
  /** The script body as bytes (hashed as is). */
  script(ref: ScriptRef): Promise<Uint8Array>;
  report(report: UpdateReport): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class HttpUpdateApi implements UpdateApi {
  constructor(
    private readonly apiUrl: string,
    private readonly accessToken: () => string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async check(currentVersion: string, channel: string, publicKey?: string): Promise<UpdateAnswer> {
    return answer(
      "check",
      await this.request("POST", "/api/runtime/updates/check", {
        currentVersion,
        channel,
        ...(publicKey ? { publicKey } : {}),
      } satisfies UpdateCheckBody),
    );
  }

  async apply(body: ApplyRequest): Promise<UpdateAnswer> {
    return answer(
      "apply",
      await this.request("POST", "/api/runtime/updates/apply", { approved: true, ...body } satisfies UpdateApplyBody),
    );
  }

  async script(ref: ScriptRef): Promise<Uint8Array> {
    const query = new URLSearchParams({
      path: ref.path,
      sha256: ref.sha256,
      ...(ref.releaseId ? { releaseId: ref.releaseId } : {}),
    });
    const response = await this.request("GET", `/api/runtime/updates/scripts?${query}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  async report(report: UpdateReport): Promise<void> {
    await (await this.request("POST", "/api/runtime/updates/report", report)).arrayBuffer();
  }

  /** Resolves with a 2xx response; throws UpdateApiError otherwise (with the server's `error` field if any). */
  private async request(method: "GET" | "POST", path: string, body?: unknown): Promise<Response> {
    const what = `${method} ${path.replace(/\?.*/, "")}`;
    let response: Response;
    try {
      response = await this.fetchImpl(this.apiUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.accessToken()}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new UpdateApiError(`${what}: ${(error as Error).message}`);
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => "");
    throw new UpdateApiError(
      errorField(text) ?? `${what} answered ${response.status}: ${text.slice(0, 200) || response.statusText}`,
      response.status,
    );
  }
}

async function answer(call: string, response: Response): Promise<UpdateAnswer> {
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw new UpdateApiError(`${call}: malformed answer (${(error as Error).message})`);
  }
  if (!Value.Check(UpdateAnswerSchema, json)) {
    const first = Value.Errors(UpdateAnswerSchema, json).First();
    throw new UpdateApiError(`${call}: malformed answer (${first?.path || "/"}: ${first?.message})`);
  }
  return json;
}

function errorField(text: string): string | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown } | null)?.error;
    return typeof error === "string" && error ? error : undefined;
  } catch {
    return undefined;
  }
}

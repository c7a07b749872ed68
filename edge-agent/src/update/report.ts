/** Sends an update report to the control plane, retrying with backoff: a lost report would hide what happened. */
import { jitteredBackoffMs, type BackoffRange } from "../backoff.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { UpdateApi, UpdateReport } from "./update-client.ts";

export const REPORT_ATTEMPTS = 5;

export async function sendReport(
  api: UpdateApi,
  report: UpdateReport,
  backoff: BackoffRange,
  log: Logger,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await api.report(report);
      log.info(`update ${report.fromVersion} -> ${report.toVersion} reported as ${report.status}`);
      return true;
    } catch (error) {
      if (attempt + 1 >= REPORT_ATTEMPTS) {
        log.error(`could not report update ${report.status} after ${REPORT_ATTEMPTS} attempts: ${errorMessage(error)}`);
        return false;
      }
      const delayMs = jitteredBackoffMs(backoff, attempt);
      log.warn(`update report failed, retrying in ${delayMs}ms: ${errorMessage(error)}`);
      await Bun.sleep(delayMs);
    }
  }
}

/**
 * Host labels, as both runtimes check them: keys of letters, digits and `._/-` (starting and ending with a letter or
 * digit, like Kubernetes), values of at most 500 characters, at most 32 labels reported by an agent.
 */
export const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,98}[A-Za-z0-9])?$/;
export const MAX_LABEL_VALUE = 500;
export const MAX_REPORTED_LABELS = 32;

/** What is wrong with a set of reported labels (`key: problem`), or undefined. */
export function labelsProblem(labels: Record<string, unknown>): string | undefined {
  const entries = Object.entries(labels);
  if (entries.length > MAX_REPORTED_LABELS) return `at most ${MAX_REPORTED_LABELS} labels`;
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) return `${key.slice(0, 100)}: not a valid label key (letters, digits, ._/-)`;
    if (typeof value !== "string" || value.length > MAX_LABEL_VALUE || value.includes("\u0000"))
      return `${key}: must be a string of at most ${MAX_LABEL_VALUE} characters`;
  }
  return undefined;
}

/** What the CLI exits with: 0 ok, 1 an error, 2 bad usage; `run` exits with its command's code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Bad flags or arguments: exit code 2, with the verb's usage line. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A refusal from the API (`{error}` with its HTTP status). */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly body: unknown,
  ) {
    super(`${error} (HTTP ${status})`);
  }
}

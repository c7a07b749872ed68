/** Rejection reason of `ask` when no reply arrives in time. */
export class AskTimeoutError extends Error {
  constructor(
    readonly actor: string,
    readonly timeoutMs: number,
  ) {
    super(`ask to actor "${actor}" timed out after ${timeoutMs}ms`);
    this.name = "AskTimeoutError";
  }
}

/** The actor is stopping or stopped: the message was not (or will never be) processed. */
export class ActorStoppedError extends Error {
  constructor(readonly actor: string) {
    super(`actor "${actor}" is stopped`);
    this.name = "ActorStoppedError";
  }
}

/** The actor's bounded mailbox is full: the message was dropped. */
export class MailboxFullError extends Error {
  constructor(readonly actor: string) {
    super(`mailbox of actor "${actor}" is full`);
    this.name = "MailboxFullError";
  }
}

/** The chat outbox's delivery loop: a pass on every tick and at once when a message is enqueued. */
import { PassLoop } from "../../lib/pass-loop";
import type { ChatBotService } from "./service";

export class ChatDelivery {
  private readonly loop: PassLoop;

  constructor(chatbots: ChatBotService, tickMs: number, onError: (err: unknown) => void) {
    this.loop = new PassLoop(() => chatbots.deliverDue(), { tickMs, concurrency: 1 }, onError);
    chatbots.onEnqueued = () => this.loop.wake();
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}

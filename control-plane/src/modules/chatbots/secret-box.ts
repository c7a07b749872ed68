/**
 * AES-256-GCM for chat bot credentials at rest. The key comes from CHAT_BOT_SECRET_KEY (32 bytes, base64) or, when
 * that is not configured, from `chat_bot_keys` (generated once on first start, like the JWT signing key).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { type Db, withAdvisoryLock } from "../../db/connect";
import { chatBotKeys } from "../../db/schema";
import { invalid } from "../../lib/errors";

const KEY_LOCK = 7_310_017;
const VERSION = "v1";

export class SecretBox {
  private key?: Buffer;

  constructor(
    private readonly db: Db,
    private readonly configured?: string,
  ) {}

  async load(): Promise<void> {
    if (this.configured) {
      const key = Buffer.from(this.configured, "base64");
      if (key.length !== 32) throw invalid("CHAT_BOT_SECRET_KEY must be 32 bytes in base64");
      this.key = key;
      return;
    }
    let [row] = await this.db.select().from(chatBotKeys).limit(1);
    if (!row) {
      await withAdvisoryLock(this.db, KEY_LOCK, async (tx) => {
        const [existing] = await tx.select().from(chatBotKeys).limit(1);
        if (!existing) await tx.insert(chatBotKeys).values({ id: "default", key: randomBytes(32).toString("base64") });
      });
      [row] = await this.db.select().from(chatBotKeys).limit(1);
    }
    this.key = Buffer.from(row!.key, "base64");
  }

  private async keyNow(): Promise<Buffer> {
    if (!this.key) await this.load();
    return this.key!;
  }

  async seal(plain: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", await this.keyNow(), iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
      .join(".");
  }

  async open(sealed: string): Promise<string> {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("unknown sealed credential format");
    const decipher = createDecipheriv("aes-256-gcm", await this.keyNow(), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}

import { randomFillSync } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case
const ID_CHARS = 16;

/** Random bytes drawn from the system's CSPRNG a page at a time (a fleet command makes thousands of ids at once). */
const pool = Buffer.alloc(4096);
let used = pool.length;

/** Random identifier with a readable kind prefix, e.g. `host_5k2m...` (80 bits). */
export function newId(prefix: string): string {
  if (used + ID_CHARS > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let out = "";
  for (let i = used; i < used + ID_CHARS; i++) out += ALPHABET[pool[i]! & 31];
  used += ID_CHARS;
  return `${prefix}_${out}`;
}

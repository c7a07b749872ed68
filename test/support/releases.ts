/** Release helpers for tests. */
import nacl from "tweetnacl";
import type { generateKeyPair, SignedManifest } from "@edge/proto/release";

/** Signs any JSON value, well-formed as a manifest or not (signManifest refuses malformed ones): for attack tests. */
export function signRaw(value: unknown, keys: ReturnType<typeof generateKeyPair>): SignedManifest {
  const json = JSON.stringify(value);
  const signature = nacl.sign.detached(
    new TextEncoder().encode(json),
    new Uint8Array(Buffer.from(keys.secretKey, "base64")),
  );
  return { manifest: json, signature: Buffer.from(signature).toString("base64"), publicKey: keys.publicKey };
}

/**
 * Checks a certificate's Ed25519 signature in the browser, against the key the program
 * publishes, so the verification page does not merely repeat what the server says.
 */

/**
 * The signed bytes: the payload's JSON with keys sorted, no whitespace, non-ASCII as is —
 * api/awards/signing.py `canonical_json`. For a flat object of strings with ASCII keys this is
 * what JSON.stringify writes once the keys are in order (both escape only `"`, `\` and
 * control characters, the same way).
 */
export function canonicalJson(payload: Record<string, string>): string {
  const sorted: Record<string, string> = {}
  for (const key of Object.keys(payload).sort()) sorted[key] = payload[key] as string
  return JSON.stringify(sorted)
}

function base64Bytes(value: string): Uint8Array<ArrayBuffer> {
  const binary = atob(value)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** `valid` / `invalid`, or `unsupported` where the browser has no Ed25519 (older browsers). */
export type SignatureCheck = 'valid' | 'invalid' | 'unsupported'

export async function checkSignature(
  payload: Record<string, string>,
  signatureB64: string,
  publicKeyB64: string,
  subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null,
): Promise<SignatureCheck> {
  if (!subtle) return 'unsupported'
  let key: CryptoKey
  try {
    key = await subtle.importKey('raw', base64Bytes(publicKeyB64), { name: 'Ed25519' }, false, ['verify'])
  } catch (error) {
    // A browser without the algorithm says NotSupportedError; a malformed key is a failure.
    return error instanceof DOMException && error.name === 'NotSupportedError' ? 'unsupported' : 'invalid'
  }
  try {
    const signed = new TextEncoder().encode(canonicalJson(payload))
    return (await subtle.verify({ name: 'Ed25519' }, key, base64Bytes(signatureB64), signed)) ? 'valid' : 'invalid'
  } catch {
    return 'invalid'
  }
}

export const CERTIFICATE_NUMBER = /^BJSTT-\d{4}-\d{2}-\d{4}$/

/** What a person types or a scanner reads (full-width characters, spaces, lower case) as the
 * printed form `BJSTT-2021-01-0001`; null when it cannot be one. */
export function normaliseNumber(input: string): string | null {
  const halfWidth = input.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
  const compact = halfWidth
    .toUpperCase()
    .replace(/[\s\u3000]+/g, '')
    .replace(/[‐‑‒–—―－_]/g, '-')
  return CERTIFICATE_NUMBER.test(compact) ? compact : null
}

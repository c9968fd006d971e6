/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015) check, mirroring the server's
 * api/organizations/uscc.py so the form can answer before a round trip.
 */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
export const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const

export type UsccProblem =
  | { kind: 'length' }
  | { kind: 'charset'; chars: string }
  | { kind: 'division' }
  | { kind: 'check' }

export function normaliseUscc(code: string): string {
  return code.trim().toUpperCase()
}

/** The check character for the first 17 characters (which must be in the charset). */
export function usccCheckCharacter(first17: string): string {
  let total = 0
  for (let i = 0; i < 17; i++) {
    const value = USCC_CHARSET.indexOf(first17.charAt(i))
    if (value < 0) throw new Error(`Not a USCC character: ${first17.charAt(i)}`)
    total += value * USCC_WEIGHTS[i]
  }
  return USCC_CHARSET.charAt((31 - (total % 31)) % 31)
}

/** Why `code` (already normalised) is not a valid USCC, or null when it is. */
export function usccProblem(code: string): UsccProblem | null {
  if (code.length !== 18) return { kind: 'length' }
  const bad = [...new Set([...code].filter((c) => !USCC_CHARSET.includes(c)))].sort()
  if (bad.length) return { kind: 'charset', chars: bad.join('') }
  if (!/^\d{6}$/.test(code.slice(2, 8))) return { kind: 'division' }
  if (usccCheckCharacter(code.slice(0, 17)) !== code.charAt(17)) return { kind: 'check' }
  return null
}

export function isValidUscc(code: string): boolean {
  return usccProblem(normaliseUscc(code)) === null
}

import { describe, expect, it } from 'vitest'

import { isValidUscc, usccCheckCharacter, usccProblem } from '@/validation/uscc'

// Check characters computed with the server's algorithm (api/organizations/uscc.py).
const VALID = ['91110108MA01A2B3CF', '91110000802100433B', '121100004000000001', '91110105MA00000ABB']

describe('USCC validator', () => {
  it.each(VALID)('accepts %s', (code) => {
    expect(usccProblem(code)).toBeNull()
    expect(isValidUscc(code)).toBe(true)
  })

  it('computes the check character', () => {
    expect(usccCheckCharacter('91110108MA01A2B3C')).toBe('F')
    expect(usccCheckCharacter('12110000400000000')).toBe('1')
  })

  it('normalises case and whitespace', () => {
    expect(isValidUscc(' 91110108ma01a2b3cf ')).toBe(true)
  })

  it('rejects a wrong check character', () => {
    expect(usccProblem('91110108MA01A2B3C4')).toEqual({ kind: 'check' })
    expect(usccProblem('91110000802100433A')).toEqual({ kind: 'check' })
  })

  it('rejects characters outside the charset', () => {
    expect(usccProblem('91110108MA01I2B3CF')).toEqual({ kind: 'charset', chars: 'I' })
    expect(usccProblem('91110108MA01O2S3CZ')).toEqual({ kind: 'charset', chars: 'OSZ' })
    expect(usccProblem('91110108ma01a2b3cf')?.kind).toBe('charset')
  })

  it('rejects a wrong length', () => {
    expect(usccProblem('')).toEqual({ kind: 'length' })
    expect(usccProblem('91110108MA01A2B3C')).toEqual({ kind: 'length' })
    expect(usccProblem('91110108MA01A2B3CFF')).toEqual({ kind: 'length' })
  })

  it('rejects a non-numeric division code', () => {
    const first17 = '9111A108MA01A2B3C'
    expect(usccProblem(first17 + usccCheckCharacter(first17))).toEqual({ kind: 'division' })
  })
})

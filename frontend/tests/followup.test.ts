import { describe, expect, it } from 'vitest'

import {
  addYears,
  cleanDecimal,
  compareDecimal,
  fractionToPercent,
  moneyBody,
  moneyProblem,
  percentToFraction,
  policyPeriodProblem,
  projectPeriodProblem,
  ratePercentProblem,
  sharePercentProblem,
  shiftDecimal,
  textProblem,
} from '@/pages/followup/followup'

describe('percent ↔ fraction without float drift', () => {
  it.each([
    ['2.5', '0.025'],
    ['3', '0.03'],
    ['0.001', '0.00001'],
    ['1.1', '0.011'],
    ['0.3', '0.003'],
    ['80', '0.8'],
    ['100', '1'],
    ['2.50%', '0.025'],
  ])('%s%% is %s', (percent, fraction) => {
    expect(percentToFraction(percent)).toBe(fraction)
  })

  it.each([
    ['0.02500', '2.5'],
    ['0.03000', '3'],
    ['0.800', '80'],
    ['0.00001', '0.001'],
    ['0.011', '1.1'],
    ['1.000', '100'],
  ])('%s is %s%%', (fraction, percent) => {
    expect(fractionToPercent(fraction)).toBe(percent)
  })

  it('round-trips every rate the server accepts', () => {
    for (let n = 1; n <= 3000; n += 7) {
      const percent = shiftDecimal(String(n), -3)!
      expect(fractionToPercent(percentToFraction(percent)!)).toBe(percent)
    }
  })

  it('0.1 + 0.2 style values stay exact', () => {
    expect(percentToFraction('0.3')).toBe('0.003')
    expect(shiftDecimal('1.005', 2)).toBe('100.5')
  })
})

describe('premium rate and subsidy share', () => {
  it('accepts 3% and refuses 3.001%', () => {
    expect(ratePercentProblem('3')).toBeNull()
    expect(ratePercentProblem('3.000')).toBeNull()
    expect(ratePercentProblem('2.5')).toBeNull()
    expect(ratePercentProblem('3.001')).toBe('overCap')
    expect(ratePercentProblem('3.5')).toBe('overCap')
    expect(ratePercentProblem('30')).toBe('overCap')
  })

  it('refuses empty, zero, junk and too many decimals', () => {
    expect(ratePercentProblem('')).toBe('required')
    expect(ratePercentProblem('0')).toBe('positive')
    expect(ratePercentProblem('abc')).toBe('format')
    expect(ratePercentProblem('-1')).toBe('format')
    expect(ratePercentProblem('1.0001')).toBe('decimals')
  })

  it('subsidy share is 0–100% with one decimal', () => {
    expect(sharePercentProblem('80')).toBeNull()
    expect(sharePercentProblem('0')).toBeNull()
    expect(sharePercentProblem('100')).toBeNull()
    expect(sharePercentProblem('100.1')).toBe('overHundred')
    expect(sharePercentProblem('80.25')).toBe('decimals')
  })
})

describe('money strings', () => {
  it('cleans separators and full-width digits', () => {
    expect(cleanDecimal('12,345,678.90')).toBe('12345678.90')
    expect(cleanDecimal(' １２，３４５．６ ')).toBe('12345.6')
  })

  it.each([
    ['12,345,678.90', '12345678.90'],
    ['12345678901234.56', '12345678901234.56'],
    ['0.01', '0.01'],
    ['7', '7.00'],
    ['007.5', '7.50'],
  ])('%s is sent as %s', (typed, body) => {
    expect(moneyProblem(typed)).toBeNull()
    expect(moneyBody(typed)).toBe(body)
  })

  it.each([
    ['', 'required'],
    ['0', 'positive'],
    ['0.00', 'positive'],
    ['1.005', 'decimals'],
    ['-3', 'format'],
    ['1e5', 'format'],
    ['NaN', 'format'],
    ['100000000000000', 'tooLarge'],
  ])('%s is refused (%s)', (typed, problem) => {
    expect(moneyProblem(typed)).toBe(problem)
    expect(moneyBody(typed)).toBeNull()
  })

  it('compares exactly', () => {
    expect(compareDecimal('12345678901234.56', '12345678901234.55')).toBe(1)
    expect(compareDecimal('3.000', '3')).toBe(0)
    expect(compareDecimal('0.1', '0.10')).toBe(0)
    expect(compareDecimal('9', '10')).toBe(-1)
  })
})

describe('dates', () => {
  it('adds years as the server does', () => {
    expect(addYears('2024-03-01', 3)).toBe('2027-03-01')
    expect(addYears('2024-02-29', 3)).toBe('2027-02-28')
    expect(addYears('2024-02-29', 4)).toBe('2028-02-29')
  })

  it('a policy lasts at most three years and ends after it starts', () => {
    expect(policyPeriodProblem('2024-03-01', '2027-03-01')).toBeNull()
    expect(policyPeriodProblem('2024-03-01', '2027-03-02')).toBe('tooLong')
    expect(policyPeriodProblem('2024-03-01', '2024-03-01')).toBe('endsBeforeStart')
    expect(policyPeriodProblem('2024-02-29', '2027-03-01')).toBe('tooLong')
    expect(policyPeriodProblem('', '2027-03-01')).toBeNull()
  })

  it('a project may end on its first day', () => {
    expect(projectPeriodProblem('2024-03-01', '2024-03-01')).toBeNull()
    expect(projectPeriodProblem('2024-03-01', '2024-02-29')).toBe('endsBeforeStart')
  })
})

describe('text', () => {
  it('mirrors the server: trimmed, limited, no control characters', () => {
    expect(textProblem('  ', { max: 10, required: true })).toBe('required')
    expect(textProblem('  ', { max: 10 })).toBeNull()
    expect(textProblem('址'.repeat(11), { max: 10 })).toBe('tooLong')
    expect(textProblem('a\u0000b', { max: 10 })).toBe('control')
    expect(textProblem('a\u202eb', { max: 10 })).toBe('control')
    expect(textProblem('a\nb', { max: 10 })).toBe('control')
    expect(textProblem('a\nb', { max: 10, multiline: true })).toBeNull()
  })
})

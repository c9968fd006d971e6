import { describe, expect, it } from 'vitest'

import type { ApplicationRead } from '@/api'
import {
  draftFrom,
  emptyIndicator,
  emptySale,
  payloadFor,
  stepChanged,
  stepOfPath,
  validateStep,
  type ApplicationDraft,
} from '@/pages/applications/draft'
import { formatDate, formatMoney } from '@/i18n/format'

function draft(overrides: Partial<ApplicationDraft> = {}): ApplicationDraft {
  return {
    product_name_zh: '七轴协作机器人',
    product_name_en: '',
    model_spec: '',
    field: 'robotics_manufacturing',
    product_type: 'complete_machine',
    claimed_level: 'domestic_leading',
    summary_zh: '简介',
    summary_en: '',
    price_yuan: '',
    expected_demonstration_use: '',
    indicators: [],
    ip_rights: [],
    sales: [],
    licences: [],
    ...overrides,
  }
}

describe('validateStep', () => {
  it('asks for the product name on any save, for the rest only when moving on', () => {
    const empty = draft({ product_name_zh: '', field: '', product_type: '', claimed_level: '', summary_zh: '' })
    expect(Object.keys(validateStep('basic', empty, false))).toEqual(['product_name_zh'])
    expect(Object.keys(validateStep('basic', empty, true)).sort()).toEqual(
      ['claimed_level', 'field', 'product_name_zh', 'product_type', 'summary_zh'].sort(),
    )
  })

  it('checks money as a decimal with at most two places', () => {
    expect(validateStep('basic', draft({ price_yuan: '1280000.50' }), true)).toEqual({})
    expect(validateStep('basic', draft({ price_yuan: '12.345' }), true).price_yuan?.key).toBe('decimal')
    expect(validateStep('basic', draft({ price_yuan: '-3' }), true).price_yuan?.key).toBe('decimal')
  })

  it('addresses row errors by the API path', () => {
    const errors = validateStep('indicators', draft({ indicators: [emptyIndicator()] }), true)
    expect(Object.keys(errors).sort()).toEqual(['indicators.0.indicator', 'indicators.0.own_value'])
    expect(validateStep('indicators', draft(), true).indicators?.key).toBe('atLeastOneRow')
    expect(validateStep('indicators', draft(), false)).toEqual({})
  })

  it('checks sales rows: units from 1 and a date', () => {
    const sale = { ...emptySale(), buyer: '北京某医院', units: '0', amount_yuan: '100' }
    const errors = validateStep('ipSales', draft({ sales: [sale] }), false)
    expect(errors['sales.0.units']).toEqual({ key: 'integerRange', params: { min: 1, max: 100000 } })
    expect(errors['sales.0.date']?.key).toBe('required')
  })

  it('maps an error path back to its step', () => {
    expect(stepOfPath('indicators.3.unit')).toBe('indicators')
    expect(stepOfPath('sales.0.amount_yuan')).toBe('ipSales')
    expect(stepOfPath('summary_zh')).toBe('basic')
    expect(stepOfPath('required_content')).toBeNull()
  })
})

describe('payloadFor and stepChanged', () => {
  it('turns the inputs into the API shapes', () => {
    const body = payloadFor(
      'ipSales',
      draft({
        sales: [{ buyer: ' 医院 ', date: '2025-06-01', units: '2', amount_yuan: '1500000', in_beijing: true }],
        licences: [{ name: '注册证', number: 'X-1', valid_until: '' }],
      }),
    )
    expect(body.sales).toEqual([
      { buyer: '医院', date: '2025-06-01', units: 2, amount_yuan: '1500000', in_beijing: true },
    ])
    expect(body.licences).toEqual([{ name: '注册证', number: 'X-1', valid_until: null }])
    expect(payloadFor('basic', draft()).product_name_en).toBeNull()
  })

  it('sees only real changes', () => {
    const app = {
      product_name_zh: '七轴协作机器人',
      product_name_en: null,
      model_spec: null,
      field: 'robotics_manufacturing',
      product_type: 'complete_machine',
      claimed_level: 'domestic_leading',
      summary_zh: '简介',
      summary_en: null,
      price_yuan: '1280000.00',
      expected_demonstration_use: null,
      indicators: [],
      ip_rights: [],
      sales: [],
      licences: [],
    } as unknown as ApplicationRead
    const saved = draftFrom(app)
    const edited = { ...saved, model_spec: 'TH-C7' }
    expect(stepChanged('basic', saved, draftFrom(app))).toBe(false)
    expect(stepChanged('basic', edited, saved)).toBe(true)
    expect(stepChanged('indicators', edited, saved)).toBe(false)
  })
})

describe('formatMoney and formatDate', () => {
  it('writes 元 and 万元 in Chinese, CNY in English', () => {
    expect(formatMoney('1280000.00', 'zh-CN')).toBe('128 万元')
    expect(formatMoney('1234567', 'zh-CN')).toBe('123.46 万元')
    expect(formatMoney('3500', 'zh-CN')).toBe('3,500.00 元')
    expect(formatMoney('1280000.00', 'en')).toMatch(/CN¥1,280,000\.00/)
    expect(formatMoney(null, 'en')).toBe('')
  })

  it('keeps calendar dates on their day in every time zone', () => {
    expect(formatDate('2026-03-09', 'en')).toBe('Mar 9, 2026')
    expect(formatDate('2026-03-09', 'zh-CN')).toBe('2026年3月9日')
  })
})

import { VueQueryPlugin } from '@tanstack/vue-query'
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import type { PublicityBatch } from '@/api'
import { ApiError } from '@/http/problem'
import { problemCodes } from '@/i18n/domains/publicity'
import publicityScreen from '@/i18n/screens/publicity'
import { publicityBatchProblem } from '@/pages/objections/batchProblems'
import {
  availableActions,
  RESOLUTION_MAX,
  resolutionLength,
  resolutionProblem,
} from '@/pages/objections/resolution'
import {
  blankObjection,
  charCount,
  evidenceProblem,
  objectionFormData,
  parseReference,
  retryMinutes,
  serverFieldErrors,
  validateObjection,
  type ObjectionForm,
} from '@/pages/publicity/objection'
import ObjectionFormPage from '@/pages/publicity/ObjectionFormPage.vue'
import PublicityPage from '@/pages/publicity/PublicityPage.vue'
import { problemMessage } from '@/problems'
import { createAppQueryClient } from '@/queries/client'
import { queryKeys } from '@/queries/keys'
import { EVIDENCE_MAX_BYTES } from '@/queries/publicity'

import { createAppI18n, en, i18n, zhCN } from './support/messages'

const pdf = (size = 1000, name = 'evidence.pdf', type = 'application/pdf') => {
  const file = new File(['%PDF-1.4'], name, { type })
  Object.defineProperty(file, 'size', { value: size })
  return file
}

function valid(overrides: Partial<ObjectionForm> = {}): ObjectionForm {
  return {
    ...blankObjection('app-1'),
    name: '张三',
    phone: '138 0013 8000',
    statement: '该产品的核心部件为进口产品，不符合自主知识产权要求。',
    consent: true,
    ...overrides,
  }
}

function apiError(status: number, code: string, errors: { field: string; code: string; message?: string }[] = [], retryAfter: number | null = null) {
  return new ApiError(
    {
      type: 'about:blank',
      title: code,
      status,
      detail: code,
      code,
      errors: errors.map((e) => ({ message: e.message ?? 'server says no', ...e })),
    },
    retryAfter,
  )
}

describe('validateObjection', () => {
  it('accepts a complete form', () => {
    expect(validateObjection(valid())).toEqual({})
    expect(validateObjection(valid({ phone: '', email: 'li@example.cn' }))).toEqual({})
    expect(validateObjection(valid({ evidence: pdf() }))).toEqual({})
  })

  it('names every missing required field', () => {
    const errors = validateObjection(blankObjection())
    expect(Object.keys(errors).sort()).toEqual(['applicationId', 'consent', 'email', 'name', 'phone', 'statement'])
    expect(errors.applicationId?.key).toBe('productRequired')
    expect(errors.name?.key).toBe('nameRequired')
    expect(errors.statement?.key).toBe('statementRequired')
    expect(errors.consent?.key).toBe('consentRequired')
  })

  it('wants a phone number or an e-mail address, as the server (contact_required)', () => {
    const errors = validateObjection(valid({ phone: '  ', email: '' }))
    expect(errors.phone).toEqual({ key: 'contactRequired' })
    expect(errors.email).toEqual({ key: 'contactRequired' })
  })

  it('checks the phone pattern and length of the server', () => {
    expect(validateObjection(valid({ phone: '+86 10-6512-3456' }))).toEqual({})
    expect(validateObjection(valid({ phone: '12345' })).phone?.key).toBe('phoneInvalid')
    expect(validateObjection(valid({ phone: '1'.repeat(21) })).phone?.key).toBe('phoneInvalid')
    expect(validateObjection(valid({ phone: '010-abc-123' })).phone?.key).toBe('phoneInvalid')
    expect(validateObjection(valid({ phone: '138-0013-800-' })).phone?.key).toBe('phoneInvalid')
  })

  it('checks an e-mail address when one is given', () => {
    expect(validateObjection(valid({ email: 'not-an-address' })).email?.key).toBe('emailInvalid')
    expect(validateObjection(valid({ email: 'a b@example.cn' })).email?.key).toBe('emailInvalid')
    expect(validateObjection(valid({ email: 'wang@example.com.cn' }))).toEqual({})
  })

  it('counts the statement in characters of the trimmed text (10–5000)', () => {
    expect(charCount('  异议内容  ')).toBe(4)
    expect(charCount('😀'.repeat(3))).toBe(3)
    expect(validateObjection(valid({ statement: '太短的异议内容' })).statement).toEqual({ key: 'statementTooShort', params: { n: 10 } })
    expect(validateObjection(valid({ statement: '一'.repeat(10) }))).toEqual({})
    expect(validateObjection(valid({ statement: '一'.repeat(5001) })).statement?.key).toBe('statementTooLong')
    expect(validateObjection(valid({ statement: `  ${'一'.repeat(5000)}  ` }))).toEqual({})
  })

  it('limits the name and the organisation', () => {
    expect(validateObjection(valid({ name: 'x'.repeat(51) })).name).toEqual({ key: 'tooLong', params: { n: 50 } })
    expect(validateObjection(valid({ organization: 'x'.repeat(201) })).organization).toEqual({ key: 'tooLong', params: { n: 200 } })
  })

  it('takes only a non-empty PDF within the server limit as evidence', () => {
    expect(EVIDENCE_MAX_BYTES).toBe(20 * 1024 * 1024)
    expect(evidenceProblem(pdf())).toBeNull()
    expect(evidenceProblem(pdf(100, 'scan.PDF', ''))).toBeNull()
    expect(evidenceProblem(pdf(EVIDENCE_MAX_BYTES))).toBeNull()
    expect(evidenceProblem(pdf(EVIDENCE_MAX_BYTES + 1))).toBe('too_large')
    expect(evidenceProblem(pdf(0))).toBe('empty')
    expect(evidenceProblem(pdf(100, 'photo.jpg', 'image/jpeg'))).toBe('type')
    expect(evidenceProblem(pdf(100, 'notes.docx', ''))).toBe('type')
    expect(validateObjection(valid({ evidence: pdf(EVIDENCE_MAX_BYTES + 1) })).evidence?.key).toBe('evidenceTooLarge')
    expect(validateObjection(valid({ evidence: pdf(10, 'a.png', 'image/png') })).evidence?.key).toBe('evidenceType')
  })
})

describe('objectionFormData', () => {
  it('sends the API field names, trimmed, leaving out empty optional fields', () => {
    const data = objectionFormData(valid({ name: ' 张三 ', email: '  ', organization: '', statement: '  一二三四五六七八九十 ' }))
    expect([...data.keys()].sort()).toEqual(['application_id', 'objector_name', 'objector_phone', 'statement'])
    expect(data.get('application_id')).toBe('app-1')
    expect(data.get('objector_name')).toBe('张三')
    expect(data.get('objector_phone')).toBe('138 0013 8000')
    expect(data.get('statement')).toBe('一二三四五六七八九十')
  })

  it('adds the evidence file under `evidence`', () => {
    const data = objectionFormData(valid({ email: 'li@example.cn', organization: '某研究院', evidence: pdf() }))
    expect(data.get('objector_email')).toBe('li@example.cn')
    expect(data.get('objector_organization')).toBe('某研究院')
    expect((data.get('evidence') as File).name).toBe('evidence.pdf')
  })
})

describe('serverFieldErrors', () => {
  it('puts contact_required on both contact fields', () => {
    const error = apiError(422, 'validation_error', [
      { field: 'objector_phone', code: 'contact_required' },
      { field: 'objector_email', code: 'contact_required' },
    ])
    expect(serverFieldErrors(error)).toEqual({ phone: { key: 'contactRequired' }, email: { key: 'contactRequired' } })
  })

  it('maps the body fields of a 422 onto the form', () => {
    const error = apiError(422, 'validation_error', [
      { field: 'body.objector_email', code: 'value_error' },
      { field: 'body.objector_phone', code: 'string_pattern_mismatch' },
      { field: 'application_id', code: 'not_in_publicity' },
      { field: 'statement', code: 'string_too_short' },
      { field: 'evidence', code: 'empty_file' },
      { field: 'objector_name', code: 'something_new', message: 'Name refused.' },
    ])
    expect(serverFieldErrors(error)).toEqual({
      email: { key: 'emailInvalid' },
      phone: { key: 'phoneInvalid', params: { min: 6, max: 20 } },
      applicationId: { key: 'notInPublicity' },
      statement: { key: 'statementTooShort', params: { n: 10 } },
      evidence: { key: 'evidenceEmpty' },
      name: 'Name refused.',
    })
  })

  it('puts 413 and 415 on the evidence', () => {
    expect(serverFieldErrors(apiError(413, 'payload_too_large'))).toEqual({ evidence: { key: 'evidenceTooLarge' } })
    expect(serverFieldErrors(apiError(415, 'unsupported_media_type'))).toEqual({ evidence: { key: 'evidenceType' } })
  })

  it('has nothing for a problem without fields', () => {
    expect(serverFieldErrors(apiError(409, 'publicity_closed'))).toEqual({})
    expect(serverFieldErrors(new Error('boom'))).toEqual({})
  })
})

describe('retryMinutes and parseReference', () => {
  it('rounds Retry-After up to whole minutes', () => {
    expect(retryMinutes(1)).toBe(1)
    expect(retryMinutes(60)).toBe(1)
    expect(retryMinutes(61)).toBe(2)
    expect(retryMinutes(3600)).toBe(60)
    expect(retryMinutes(null)).toBeNull()
  })

  it('reads the year, batch and number of a reference', () => {
    expect(parseReference('YY-2025-02-0001')).toEqual({ year: 2025, sequence: 2, number: 1 })
    expect(parseReference('YY-2026-11-0137')).toEqual({ year: 2026, sequence: 11, number: 137 })
    expect(parseReference('YY-2025-2-1')).toBeNull()
    expect(parseReference('something else')).toBeNull()
  })

  it('says the reference in words in both languages', () => {
    const parts = parseReference('YY-2025-02-0007')!
    const zh = createAppI18n('zh-CN').global
    const english = createAppI18n('en').global
    expect(zh.t('publicity.done.referenceParts', parts)).toBe('2025 年第 2 批公示的第 7 件异议')
    expect(english.t('publicity.done.referenceParts', parts)).toBe('Objection no. 7 to batch 2 of 2025')
  })
})

describe('resolution of an objection', () => {
  it('needs 10 to 5000 characters', () => {
    expect(resolutionProblem('')?.key).toBe('required')
    expect(resolutionProblem('   ')?.key).toBe('required')
    expect(resolutionProblem('经核实不成立')).toEqual({ key: 'tooShort', params: { n: 10 } })
    expect(resolutionProblem('经核实，异议所述情况与事实不符。')).toBeNull()
    expect(resolutionProblem('x'.repeat(RESOLUTION_MAX + 1))?.key).toBe('tooLong')
    expect(resolutionLength(' 十个字十个字十个字十 ')).toBe(10)
  })

  it('offers the moves of each state', () => {
    expect(availableActions('filed')).toEqual(['start-review', 'uphold', 'dismiss'])
    expect(availableActions('under_review')).toEqual(['uphold', 'dismiss'])
    expect(availableActions('upheld')).toEqual([])
    expect(availableActions('dismissed')).toEqual([])
  })
})

describe('publicity messages', () => {
  afterEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })

  it('translates the publicity problem codes in both languages', () => {
    for (const code of ['publicity_closed', 'not_in_publicity', 'no_evidence', 'undecided_applications', 'nothing_shortlisted', 'publicity_not_over', 'objections_open']) {
      expect(problemCodes).toContain(code)
      for (const locale of ['zh-CN', 'en'] as const) {
        i18n.global.locale.value = locale
        const table = (locale === 'en' ? en : zhCN).problems as Record<string, string>
        expect(problemMessage({ code, title: 'x' })).toBe(table[code])
      }
    }
  })

  it('has every form error message the checks can name, in both languages', () => {
    const keys = new Set<string>()
    const forms = [blankObjection(), valid({ phone: '1', email: 'x' }), valid({ statement: 'x', name: 'x'.repeat(60), organization: 'x'.repeat(300) }), valid({ evidence: pdf(0) }), valid({ evidence: pdf(9, 'a.png', 'image/png') }), valid({ evidence: pdf(EVIDENCE_MAX_BYTES + 1) }), valid({ statement: 'x'.repeat(5001) })]
    for (const form of forms) for (const e of Object.values(validateObjection(form))) keys.add(e!.key)
    keys.add('notInPublicity')
    for (const key of keys) {
      expect(publicityScreen.zhCN.form.errors).toHaveProperty(key)
      expect(publicityScreen.en.form.errors).toHaveProperty(key)
    }
  })

  it('counts working days left with a singular for the last day', () => {
    const zh = createAppI18n('zh-CN').global
    const english = createAppI18n('en').global
    expect(english.t('publicity.daysLeft', { n: 1 }, 1)).toBe('Today is the last working day of publicity')
    expect(english.t('publicity.daysLeft', { n: 4 }, 4)).toBe('4 working days left, today included')
    expect(zh.t('publicity.daysLeft', { n: 3 }, 3)).toBe('剩余 3 个工作日（含今天）')
  })
})

describe('ObjectionFormPage', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  const batch: PublicityBatch = {
    batch_id: 'b1',
    year: 2025,
    sequence: 2,
    title_zh: '2025年第二批',
    title_en: '2025 second batch',
    publicity_working_days: 5,
    starts_on: '2025-06-02',
    ends_on: '2025-06-06',
    accepting_objections: true,
    working_days_left: 3,
    products: [
      {
        application_id: 'a1',
        product_name_zh: '七轴协作机器人',
        product_name_en: 'Seven-axis robot',
        model_spec: 'TH-C7',
        field: null,
        claimed_level: null,
        organization: { name_zh: '北京示范装备有限公司', name_en: null, district: null },
      },
      {
        application_id: 'a2',
        product_name_zh: '高精度光刻对准系统',
        product_name_en: null,
        model_spec: null,
        field: null,
        claimed_level: null,
        organization: { name_zh: '北京芯光科技有限公司', name_en: null, district: null },
      },
    ],
  }

  async function mountPage(query = '?application=a2', locale: 'zh-CN' | 'en' = 'zh-CN') {
    const queryClient = createAppQueryClient()
    queryClient.setQueryDefaults(queryKeys.publicity.batch('b1'), { staleTime: Infinity })
    queryClient.setQueryData(queryKeys.publicity.batch('b1'), batch)
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/publicity/:batchId/objection', component: ObjectionFormPage },
        { path: '/:p(.*)*', component: { render: () => null } },
      ],
    })
    await router.push(`/publicity/b1/objection${query}`)
    const wrapper = mount(ObjectionFormPage, {
      attachTo: document.body,
      global: { plugins: [router, createAppI18n(locale), [VueQueryPlugin, { queryClient }]] },
    })
    await flushPromises()
    return wrapper
  }

  it('preselects the product of the link and lists the batch', async () => {
    const wrapper = await mountPage()
    const select = wrapper.get<HTMLSelectElement>('[data-testid=objection-product]')
    expect(select.element.value).toBe('a2')
    expect(select.findAll('option')).toHaveLength(3)
    expect(wrapper.text()).toContain('北京芯光科技有限公司')
    expect(wrapper.findAll('h1')).toHaveLength(1)
  })

  it('drops a product that is not on the list', async () => {
    const wrapper = await mountPage('?application=zzz')
    expect(wrapper.get<HTMLSelectElement>('[data-testid=objection-product]').element.value).toBe('')
  })

  it('shows why next to each field instead of sending an incomplete form', async () => {
    const wrapper = await mountPage('?application=a1', 'en')
    await wrapper.get('[data-testid=objection-name]').setValue('Li Lei')
    await wrapper.get('[data-testid=objection-statement]').setValue('Too short')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    // Element Plus shows a form item's error after a short debounce.
    await new Promise((resolve) => setTimeout(resolve, 250))
    const text = wrapper.text()
    expect(text).toContain('Enter a phone number or an e-mail address (at least one).')
    expect(text).toContain('The statement needs at least 10 characters.')
    expect(text).toContain('Please read and tick the declaration.')
    expect(wrapper.get('#objection-phone').attributes('aria-invalid')).toBe('true')
    expect(wrapper.get('#objection-phone').attributes('aria-describedby')).toContain('objection-phone-error')
    expect(wrapper.find('#objection-phone-error').exists()).toBe(true)
    expect(wrapper.find('[data-testid=objection-done]').exists()).toBe(false)
  })

  it('counts the statement as it is typed', async () => {
    const wrapper = await mountPage()
    await wrapper.get('[data-testid=objection-statement]').setValue('一二三四五')
    expect(wrapper.get('[data-testid=objection-counter]').text()).toBe('已输入 5 / 5000 字')
  })

  it('says when the window is closed instead of showing the form', async () => {
    batch.accepting_objections = false
    try {
      const wrapper = await mountPage()
      expect(wrapper.find('[data-testid=objection-form]').exists()).toBe(false)
      expect(wrapper.find('[data-testid=objection-closed]').exists()).toBe(true)
    } finally {
      batch.accepting_objections = true
    }
  })
})

describe('publicityBatchProblem', () => {
  const zh = createAppI18n('zh-CN').global
  const t = (key: string, params: Record<string, string | number>) => zh.t(key, params)
  const date = (day: string) => `[${day}]`

  it('names the last day of publicity and the open objections when announcing is refused', () => {
    const notOver = new ApiError({ type: 'x', title: 'x', status: 409, detail: 'x', code: 'publicity_not_over', publicity_ends_on: '2026-12-04' } as never)
    expect(publicityBatchProblem(notOver, t, date)).toBe('公示期至 [2026-12-04] 结束：须待公示期最后一天过后，才能发布认定结果。')
    const open = new ApiError({ type: 'x', title: 'x', status: 409, detail: 'x', code: 'objections_open', open_objections: 2 } as never)
    expect(publicityBatchProblem(open, t, date)).toContain('2 件异议未处理')
    const undecided = new ApiError({ type: 'x', title: 'x', status: 409, detail: 'x', code: 'undecided_applications', undecided: 3 } as never)
    expect(publicityBatchProblem(undecided, t, date)).toContain('3 项')
  })

  it('leaves other problems to the generic messages', () => {
    expect(publicityBatchProblem(apiError(409, 'invalid_transition'), t, date)).toBeNull()
    expect(publicityBatchProblem(apiError(409, 'objections_open'), t, date)).toBeNull()
    expect(publicityBatchProblem(new Error('x'), t, date)).toBeNull()
  })
})

describe('PublicityPage', () => {
  async function mountList(items: PublicityBatch[], locale: 'zh-CN' | 'en' = 'zh-CN') {
    const queryClient = createAppQueryClient()
    queryClient.setQueryDefaults(queryKeys.publicity.list, { staleTime: Infinity })
    queryClient.setQueryData(queryKeys.publicity.list, { today: '2025-06-04', items })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { render: () => null } }] })
    await router.push('/publicity')
    const wrapper = mount(PublicityPage, {
      global: { plugins: [router, createAppI18n(locale), [VueQueryPlugin, { queryClient }]] },
    })
    await flushPromises()
    return wrapper
  }

  const batch: PublicityBatch = {
    batch_id: 'b1',
    year: 2025,
    sequence: 2,
    title_zh: '2025年第二批',
    title_en: '2025 second batch',
    publicity_working_days: 5,
    starts_on: '2025-06-02',
    ends_on: '2025-06-06',
    accepting_objections: true,
    working_days_left: 3,
    products: [
      {
        application_id: 'a1',
        product_name_zh: '七轴协作机器人',
        product_name_en: 'Seven-axis robot',
        model_spec: 'TH-C7',
        field: { code: 'robotics_manufacturing', name_zh: '机器人及智能制造', name_en: 'Robotics' },
        claimed_level: { code: 'domestic_leading', name_zh: '国内领先', name_en: 'Domestic leading' },
        organization: { name_zh: '北京示范装备有限公司', name_en: 'Beijing Demo Equipment', district: { code: 'haidian', name_zh: '海淀区', name_en: 'Haidian' } },
      },
    ],
  }

  it('says so when nothing is in publicity, and still explains how objections work', async () => {
    const wrapper = await mountList([])
    expect(wrapper.find('[data-testid=publicity-empty]').text()).toContain('目前没有正在公示的批次')
    expect(wrapper.find('[data-testid=publicity-notice]').text()).toContain('实名')
    expect(wrapper.findAll('h1')).toHaveLength(1)
  })

  it('lists the products in the current language with a link to the objection form', async () => {
    const wrapper = await mountList([batch], 'en')
    const row = wrapper.get('[data-testid=publicity-product-a1]')
    expect(row.text()).toContain('Seven-axis robot')
    expect(row.text()).toContain('七轴协作机器人')
    expect(row.text()).toContain('Beijing Demo Equipment')
    expect(row.text()).toContain('Haidian')
    expect(row.text()).toContain('Domestic leading')
    expect(wrapper.get('[data-testid=object-a1]').attributes('href')).toBe('/publicity/b1/objection?application=a1')
    expect(wrapper.get('[data-testid=publicity-window-b1]').text()).toBe('3 working days left, today included')
  })

  it('offers no objection link once the window is closed', async () => {
    const over = await mountList([{ ...batch, accepting_objections: false, working_days_left: 0 }])
    expect(over.find('[data-testid=object-a1]').exists()).toBe(false)
    expect(over.get('[data-testid=publicity-window-b1]').attributes('data-state')).toBe('closed')
    const early = await mountList([{ ...batch, starts_on: '2025-06-09', ends_on: '2025-06-13', accepting_objections: false }])
    expect(early.find('[data-testid=object-a1]').exists()).toBe(false)
    expect(early.get('[data-testid=publicity-window-b1]').text()).toBe('公示期尚未开始')
  })
})

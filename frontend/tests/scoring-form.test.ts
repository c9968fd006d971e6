import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'

import type { ReviewRead } from '@/api'
import ScoringForm from '@/pages/evaluation/parts/ScoringForm.vue'
import type { ReviewForm } from '@/pages/evaluation/scoring'

import { createAppI18n } from './support/messages'

function review(over: Partial<ReviewRead> = {}): ReviewRead {
  return {
    id: 'r1',
    assignment_id: 'a1',
    application_id: 'app1',
    status: 'draft',
    scores: {},
    total: null,
    comment: null,
    recommendation: null,
    version: 1,
    submitted_at: null,
    waived_reason: null,
    criteria: [
      { id: 'c1', position: 1, name_zh: '技术创新性', name_en: 'Innovation', max_score: '30.00', weight: '1.000', guidance_zh: '原创性', guidance_en: 'Originality' },
      { id: 'c2', position: 2, name_zh: '企业能力', name_en: 'Capability', max_score: '10.00', weight: '2.000', guidance_zh: null, guidance_en: null },
    ],
    max_total: '50.00000',
    ...over,
  }
}

function mountForm(value: ReviewRead) {
  return mount(ScoringForm, {
    props: { review: value, productName: '刻蚀机' },
    global: { plugins: [createAppI18n('zh-CN')] },
  })
}

describe('ScoringForm', () => {
  it('shows the running weighted total as scores are typed', async () => {
    const wrapper = mountForm(review())
    expect(wrapper.get('[data-testid=running-total-value]').text()).toBe('0 / 50')
    await wrapper.get('input[data-testid=score-0]').setValue('27.5')
    await wrapper.get('input[data-testid=score-1]').setValue('8')
    expect(wrapper.get('[data-testid=running-total-value]').text()).toBe('43.5 / 50')
    expect(wrapper.text()).toContain('已评 2/2 项')
    expect(wrapper.text()).toContain('原创性')
  })

  it('refuses to submit an incomplete review and says what is missing', async () => {
    const wrapper = mountForm(review())
    await wrapper.get('input[data-testid=score-0]').setValue('31')
    await wrapper.get('[data-testid=review-submit]').trigger('click')
    await flushPromises()
    expect(wrapper.emitted('submit')).toBeUndefined()
    expect(wrapper.get('[data-testid=score-error-0]').text()).toBe('分数应在 0–30 之间')
    expect(wrapper.get('[data-testid=score-error-1]').text()).toBe('请为此项打分')
    expect(wrapper.text()).toContain('请选择推荐意见')
  })

  it('emits a complete review with whether it changed since it was saved', async () => {
    const wrapper = mountForm(review({ scores: { c1: '20', c2: '5' }, recommendation: 'neutral', version: 3 }))
    await wrapper.get('[data-testid=review-submit]').trigger('click')
    const [form, dirty] = wrapper.emitted('submit')![0] as [ReviewForm, boolean]
    expect(form.scores).toEqual({ c1: '20', c2: '5' })
    expect(dirty).toBe(false)
  })

  it('shows a submitted review read-only with its total', () => {
    const wrapper = mountForm(
      review({ status: 'submitted', scores: { c1: '27.5', c2: '9' }, total: '45.50', recommendation: 'recommend', submitted_at: '2025-06-01T02:00:00Z', version: 4 }),
    )
    expect(wrapper.find('[data-testid=scoring-locked]').exists()).toBe(true)
    expect(wrapper.find('[data-testid=review-save]').exists()).toBe(false)
    expect(wrapper.get('[data-testid=scoring-total]').text()).toContain('45.5 / 50')
    expect(wrapper.get('[data-testid=locked-recommendation]').text()).toBe('推荐')
  })
})

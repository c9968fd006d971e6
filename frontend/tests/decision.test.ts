import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'

import { validateDecision } from '@/pages/applications/decision'
import DecisionDialog from '@/pages/applications/parts/DecisionDialog.vue'
import type { Decision, DecisionInput } from '@/queries/applications'

import { createAppI18n } from './support/messages'

describe('validateDecision', () => {
  const input = (decision: Decision, reason = '', deadlineWorkingDays = 5): DecisionInput => ({
    decision,
    reason,
    deadlineWorkingDays,
  })

  it('lets a recommendation or acceptance go without a reason', () => {
    expect(validateDecision(input('recommend'))).toEqual({})
    expect(validateDecision(input('accept'))).toEqual({})
  })

  it('asks a return or rejection for a reason of at least 5 characters', () => {
    expect(validateDecision(input('return')).reason?.key).toBe('required')
    expect(validateDecision(input('reject', '   ')).reason?.key).toBe('required')
    expect(validateDecision(input('reject', '太短了')).reason).toEqual({ key: 'minLength', params: { n: 5 } })
    expect(validateDecision(input('return', '请补充检测报告原件'))).toEqual({})
  })

  it('keeps the deadline between 1 and 30 working days', () => {
    expect(validateDecision(input('return', '请补充检测报告', 0)).deadline?.key).toBe('integerRange')
    expect(validateDecision(input('return', '请补充检测报告', 31)).deadline?.key).toBe('integerRange')
    expect(validateDecision(input('return', '请补充检测报告', 2.5)).deadline?.key).toBe('integerRange')
    expect(validateDecision(input('return', '请补充检测报告', 30))).toEqual({})
    // Only a return has a deadline.
    expect(validateDecision(input('recommend', '', 0))).toEqual({})
  })

  it('limits any reason to 2000 characters', () => {
    expect(validateDecision(input('recommend', 'x'.repeat(2001))).reason?.key).toBe('maxLength')
  })
})

describe('DecisionDialog', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  async function mountDialog(initial: Decision) {
    const confirmed: DecisionInput[] = []
    const open = ref(false)
    const Host = defineComponent({
      setup: () => () =>
        h(DecisionDialog, {
          open: open.value,
          'onUpdate:open': (value: boolean) => {
            open.value = value
          },
          step: 'district',
          initial,
          productName: '七轴协作机器人',
          onConfirm: (value: DecisionInput) => confirmed.push(value),
        }),
    })
    const wrapper = mount(Host, { attachTo: document.body, global: { plugins: [createAppI18n('en')] } })
    open.value = true
    await flushPromises()
    return { wrapper, confirmed, open }
  }

  const q = <T extends Element = HTMLElement>(selector: string) => document.body.querySelector<T>(selector)

  async function type(selector: string, value: string) {
    const field = q<HTMLTextAreaElement>(selector)!
    field.value = value
    field.dispatchEvent(new Event('input'))
    await flushPromises()
  }

  it('refuses a return without a reason and shows why next to the field', async () => {
    const { confirmed } = await mountDialog('return')
    expect(q('[data-testid="decision-dialog"]')?.getAttribute('data-decision')).toBe('return')
    q<HTMLButtonElement>('[data-testid="decision-confirm"]')!.click()
    await flushPromises()
    // Element Plus shows a form item's error after a short debounce.
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect(confirmed).toEqual([])
    expect(document.body.textContent).toContain('This field is required')
    expect(q('#decision-deadline')).not.toBeNull()
  })

  it('sends a return with its reason and the default deadline of 5 working days', async () => {
    const { confirmed } = await mountDialog('return')
    await type('#decision-reason', '  Please add the original test report.  ')
    q<HTMLButtonElement>('[data-testid="decision-confirm"]')!.click()
    await flushPromises()
    expect(confirmed).toEqual([
      { decision: 'return', reason: 'Please add the original test report.', deadlineWorkingDays: 5 },
    ])
  })

  it('sends a recommendation without a reason and has no deadline field', async () => {
    const { confirmed } = await mountDialog('recommend')
    expect(q('#decision-deadline')).toBeNull()
    q<HTMLButtonElement>('[data-testid="decision-confirm"]')!.click()
    await flushPromises()
    expect(confirmed).toEqual([{ decision: 'recommend', reason: '', deadlineWorkingDays: 5 }])
  })

  it('offers the district decisions only', async () => {
    await mountDialog('recommend')
    const options = [...document.body.querySelectorAll('[data-testid^="decision-option-"]')].map((el) =>
      el.getAttribute('data-testid'),
    )
    expect(options).toEqual(['decision-option-recommend', 'decision-option-return', 'decision-option-reject'])
  })
})

import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'

import type { IndicatorDraft } from '@/pages/applications/draft'
import IndicatorsTable from '@/pages/applications/parts/IndicatorsTable.vue'

import { createAppI18n } from './support/messages'

function mountTable(initial: IndicatorDraft[] = [], errors: Record<string, string> = {}) {
  const rows = ref<IndicatorDraft[]>(initial)
  const removed: string[] = []
  const Host = defineComponent({
    setup: () => () =>
      h(IndicatorsTable, {
        modelValue: rows.value,
        'onUpdate:modelValue': (value: IndicatorDraft[]) => {
          rows.value = value
        },
        errors,
        onRemoved: (name: string) => removed.push(name),
      }),
  })
  const wrapper = mount(Host, { global: { plugins: [createAppI18n('zh-CN')] } })
  return { wrapper, rows, removed }
}

const byTestId = (id: string) => `[data-testid="${id}"]`

describe('IndicatorsTable', () => {
  it('shows the empty text and adds rows', async () => {
    const { wrapper, rows } = mountTable()
    expect(wrapper.text()).toContain('尚未添加技术指标')
    await wrapper.find(byTestId('indicators-add')).trigger('click')
    await wrapper.find(byTestId('indicators-add')).trigger('click')
    expect(rows.value).toHaveLength(2)
    expect(wrapper.findAll('tbody tr')).toHaveLength(2)
    expect(wrapper.find(byTestId('indicators-1-indicator')).exists()).toBe(true)
  })

  it('writes typed values into the row', async () => {
    const { wrapper, rows } = mountTable()
    await wrapper.find(byTestId('indicators-add')).trigger('click')
    await wrapper.find(byTestId('indicators-0-indicator')).setValue('重复定位精度')
    await wrapper.find(byTestId('indicators-0-own_value')).setValue('±0.02')
    expect(rows.value[0]).toMatchObject({ indicator: '重复定位精度', own_value: '±0.02' })
  })

  it('removes the chosen row and keeps the others in order', async () => {
    const row = (indicator: string): IndicatorDraft => ({
      indicator,
      unit: '',
      own_value: '1',
      best_domestic: '',
      best_international: '',
      evidence: '',
    })
    const { wrapper, rows, removed } = mountTable([row('A'), row('B'), row('C')])
    await wrapper.find(byTestId('indicators-remove-1')).trigger('click')
    await flushPromises()
    expect(rows.value.map((r) => r.indicator)).toEqual(['A', 'C'])
    expect(wrapper.findAll('tbody tr')).toHaveLength(2)
    expect(removed).toEqual(['indicators'])
  })

  it('labels every input with its column and row', async () => {
    const { wrapper } = mountTable()
    await wrapper.find(byTestId('indicators-add')).trigger('click')
    const input = wrapper.find(byTestId('indicators-0-unit'))
    expect(input.attributes('aria-label')).toBe('单位 (第 1 行)')
    expect(wrapper.find('[aria-label="删除第 1 行"]').exists()).toBe(true)
  })

  it('shows an error next to the input its API path names', () => {
    const row: IndicatorDraft = {
      indicator: '',
      unit: '',
      own_value: '',
      best_domestic: '',
      best_international: '',
      evidence: '',
    }
    const { wrapper } = mountTable([row], { 'indicators.0.indicator': '请填写此项' })
    const input = wrapper.find(byTestId('indicators-0-indicator'))
    expect(input.attributes('aria-invalid')).toBe('true')
    const described = input.attributes('aria-describedby')!
    expect(wrapper.find(`#${described}`).text()).toBe('请填写此项')
  })
})

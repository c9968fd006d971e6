/**
 * The rubric editor's rows: strings as the inputs hold them, checked with the API's limits
 * (api/experts/schemas.py `CriterionWrite`, `RubricWrite`), turned into the PUT body. Error
 * keys are the API's field paths (`criteria.0.max_score`) so client and server errors land on
 * the same cell.
 */
import type { CriterionRead, CriterionWrite } from '@/api'

import { fromScaled, toScaled, trimDecimal } from './scoring'

export const RUBRIC_MIN = 1
export const RUBRIC_MAX = 20
export const NAME_ZH_MAX = 100
export const NAME_EN_MAX = 150
export const GUIDANCE_ZH_MAX = 2000
export const GUIDANCE_EN_MAX = 4000
export const MAX_SCORE_LIMIT = 1000
export const WEIGHT_LIMIT = 100

export type CriterionRow = {
  /** A key for the list only (rows have no id until saved). */
  key: string
  name_zh: string
  name_en: string
  max_score: string
  weight: string
  guidance_zh: string
  guidance_en: string
}

let counter = 0
const nextKey = () => `row-${(counter += 1)}`

export function rowFromCriterion(c: CriterionRead): CriterionRow {
  return {
    key: nextKey(),
    name_zh: c.name_zh,
    name_en: c.name_en ?? '',
    max_score: trimDecimal(c.max_score),
    weight: trimDecimal(c.weight),
    guidance_zh: c.guidance_zh ?? '',
    guidance_en: c.guidance_en ?? '',
  }
}

export function blankRow(): CriterionRow {
  return { key: nextKey(), name_zh: '', name_en: '', max_score: '10', weight: '1', guidance_zh: '', guidance_en: '' }
}

/** Moves row `index` by `delta` (−1 up, +1 down); a new array, the same one when it cannot move. */
export function moveRow<T>(rows: readonly T[], index: number, delta: number): T[] {
  const target = index + delta
  if (target < 0 || target >= rows.length || index < 0 || index >= rows.length) return [...rows]
  const copy = [...rows]
  const [row] = copy.splice(index, 1)
  copy.splice(target, 0, row!)
  return copy
}

export type RubricProblem =
  | { key: 'required' }
  | { key: 'maxLength'; n: number }
  | { key: 'number'; places: number; max: number }
  | { key: 'duplicate' }
  | { key: 'rowCount'; min: number; max: number }

/** Σ weight × max_score of the rows whose numbers are valid, as a decimal string. */
export function rubricMaxTotal(rows: readonly CriterionRow[]): string {
  let units = 0
  for (const row of rows) {
    const top = toScaled(row.max_score, 2)
    const weight = toScaled(row.weight, 3)
    if (top === null || weight === null) continue
    units += top * weight
  }
  return fromScaled(units, 5)
}

function positive(value: string, places: number, max: number): boolean {
  const units = toScaled(value, places)
  return units !== null && units > 0 && units <= max * 10 ** places
}

const squash = (s: string) => s.split(/\s+/).filter(Boolean).join(' ').toLocaleLowerCase()

export function validateRubric(rows: readonly CriterionRow[]): Record<string, RubricProblem> {
  const problems: Record<string, RubricProblem> = {}
  if (rows.length < RUBRIC_MIN || rows.length > RUBRIC_MAX) {
    problems.criteria = { key: 'rowCount', min: RUBRIC_MIN, max: RUBRIC_MAX }
  }
  const seen: Record<'name_zh' | 'name_en', Set<string>> = { name_zh: new Set(), name_en: new Set() }
  rows.forEach((row, i) => {
    const at = (field: string) => `criteria.${i}.${field}`
    const nameZh = row.name_zh.trim()
    if (!nameZh) problems[at('name_zh')] = { key: 'required' }
    else if (nameZh.length > NAME_ZH_MAX) problems[at('name_zh')] = { key: 'maxLength', n: NAME_ZH_MAX }
    const nameEn = row.name_en.trim()
    if (nameEn.length > NAME_EN_MAX) problems[at('name_en')] = { key: 'maxLength', n: NAME_EN_MAX }
    for (const field of ['name_zh', 'name_en'] as const) {
      const name = squash(row[field])
      if (!name || problems[at(field)]) continue
      if (seen[field].has(name)) problems[at(field)] = { key: 'duplicate' }
      seen[field].add(name)
    }
    if (!row.max_score.trim()) problems[at('max_score')] = { key: 'required' }
    else if (!positive(row.max_score, 2, MAX_SCORE_LIMIT)) {
      problems[at('max_score')] = { key: 'number', places: 2, max: MAX_SCORE_LIMIT }
    }
    if (!row.weight.trim()) problems[at('weight')] = { key: 'required' }
    else if (!positive(row.weight, 3, WEIGHT_LIMIT)) {
      problems[at('weight')] = { key: 'number', places: 3, max: WEIGHT_LIMIT }
    }
    if (row.guidance_zh.trim().length > GUIDANCE_ZH_MAX) {
      problems[at('guidance_zh')] = { key: 'maxLength', n: GUIDANCE_ZH_MAX }
    }
    if (row.guidance_en.trim().length > GUIDANCE_EN_MAX) {
      problems[at('guidance_en')] = { key: 'maxLength', n: GUIDANCE_EN_MAX }
    }
  })
  return problems
}

export function rubricBody(rows: readonly CriterionRow[]): { criteria: CriterionWrite[] } {
  return {
    criteria: rows.map((row) => ({
      name_zh: row.name_zh.trim(),
      name_en: row.name_en.trim() || null,
      max_score: row.max_score.trim(),
      weight: row.weight.trim(),
      guidance_zh: row.guidance_zh.trim() || null,
      guidance_en: row.guidance_en.trim() || null,
    })),
  }
}

/** Whether the rows say something other than the saved criteria. */
export function rubricChanged(rows: readonly CriterionRow[], saved: readonly CriterionRead[]): boolean {
  if (rows.length !== saved.length) return true
  return rows.some((row, i) => {
    const c = rowFromCriterion(saved[i]!)
    return (
      row.name_zh.trim() !== c.name_zh ||
      row.name_en.trim() !== c.name_en ||
      toScaled(row.max_score, 2) !== toScaled(c.max_score, 2) ||
      toScaled(row.weight, 3) !== toScaled(c.weight, 3) ||
      row.guidance_zh.trim() !== c.guidance_zh ||
      row.guidance_en.trim() !== c.guidance_en
    )
  })
}

/** The review settings form: whole numbers typed as text, the quota per field (blank = none). */

/** Why `text` is not a whole number in min..max (null when it is). */
export function integerProblem(text: string, min: number, max: number): 'required' | 'integer' | 'range' | null {
  const value = text.trim()
  if (!value) return 'required'
  if (!/^\d+$/.test(value)) return 'integer'
  const n = Number(value)
  return n < min || n > max ? 'range' : null
}

/** The quota inputs of the batch's fields: the number, or '' where no quota is set. */
export function quotaInputs(fields: readonly string[], quota: Record<string, number>): Record<string, string> {
  return Object.fromEntries(fields.map((field) => [field, field in quota ? String(quota[field]) : '']))
}

/** The quota to send: fields with a number only (a blank field has no quota). */
export function quotaFromInputs(inputs: Record<string, string>): Record<string, number> {
  const result: Record<string, number> = {}
  for (const [field, text] of Object.entries(inputs)) {
    if (text.trim()) result[field] = Number(text.trim())
  }
  return result
}

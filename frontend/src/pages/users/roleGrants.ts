/** The role rows of the user dialogs: from a user's grants, checked, and as the API's body. */
import type { OrganizationKind, Role, RoleAssignment, RoleGrantRead } from '@/api'
import { ApiError } from '@/http/problem'

export const ROLES: readonly Role[] = ['applicant', 'district_officer', 'expert', 'agency_officer', 'admin']

/** Which organisation kinds a role may belong to (as the API checks it, api/users/service.py). */
export const ROLE_ORGANIZATION_KINDS: Record<Role, readonly OrganizationKind[] | null> = {
  applicant: ['enterprise'],
  district_officer: ['district_office'],
  expert: null, // any kind
  agency_officer: ['agency'],
  admin: ['agency'],
}

export type GrantRow = { key: number; role: Role | ''; organizationId: string }

let nextKey = 0

export function blankRow(): GrantRow {
  nextKey += 1
  return { key: nextKey, role: '', organizationId: '' }
}

export function rowsFromGrants(grants: readonly Pick<RoleGrantRead, 'role' | 'organization_id'>[]): GrantRow[] {
  return grants.map((g) => ({ ...blankRow(), role: g.role, organizationId: g.organization_id }))
}

/** Whether an organisation of `kind` may hold `role` (no role chosen yet: any). */
export function kindAllowed(role: Role | '', kind: OrganizationKind): boolean {
  if (!role) return true
  const kinds = ROLE_ORGANIZATION_KINDS[role]
  return kinds === null || kinds.includes(kind)
}

export type RowProblem = 'required' | 'duplicate' | 'kind'

/**
 * Problems of the rows keyed as the API keys them (`roles.<i>.role`, `roles.<i>.organization_id`):
 * a half-filled row, the same role at the same organisation twice, a role the organisation's
 * kind cannot hold. `kinds` maps organisation ids to kinds when they are known.
 */
export function validateRows(
  rows: readonly GrantRow[],
  kinds: ReadonlyMap<string, OrganizationKind> = new Map(),
): Record<string, RowProblem> {
  const result: Record<string, RowProblem> = {}
  const seen = new Set<string>()
  rows.forEach((row, i) => {
    if (!row.role) result[`roles.${i}.role`] = 'required'
    if (!row.organizationId) result[`roles.${i}.organization_id`] = 'required'
    if (!row.role || !row.organizationId) return
    const kind = kinds.get(row.organizationId)
    if (kind && !kindAllowed(row.role, kind)) result[`roles.${i}.organization_id`] = 'kind'
    const pair = `${row.role}@${row.organizationId}`
    if (seen.has(pair)) result[`roles.${i}.role`] = 'duplicate'
    seen.add(pair)
  })
  return result
}

/** The role grants to send (create body's `roles`, or the PUT body). */
export function rolesBody(rows: readonly GrantRow[]): RoleAssignment[] {
  return rows.map((row) => {
    if (!row.role || !row.organizationId) throw new Error('validate the rows first')
    return { role: row.role, organization_id: row.organizationId }
  })
}

/** Field-level codes of the role checks, with their messages under `users.*`. */
const ROLE_CODE_KEYS: Record<string, string> = {
  role_organization_mismatch: 'users.roleMismatch',
  not_found: 'users.organizationNotFound',
}

/**
 * Field errors (from `fieldErrors`) with the role rows keyed `roles.<i>.<field>` whatever the
 * request: the PUT's body is the list itself, so the API's validation names `0.role` there, while
 * its own checks name `roles.0.role`. The role checks' codes get translated messages.
 */
export function roleFieldErrors(
  error: unknown,
  found: Record<string, string>,
  t: (key: string) => string,
): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [field, message] of Object.entries(found)) {
    const key = /^\d+\./.test(field) ? `roles.${field}` : field
    if (!(key in result)) result[key] = message
  }
  if (error instanceof ApiError) {
    for (const item of error.fieldErrors) {
      const messageKey = ROLE_CODE_KEYS[item.code]
      if (!messageKey) continue
      const field = item.field.replace(/^body\./, '')
      result[/^\d+\./.test(field) ? `roles.${field}` : field] = t(messageKey)
    }
  }
  return result
}

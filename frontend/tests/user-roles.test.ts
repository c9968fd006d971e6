import { describe, expect, it } from 'vitest'

import type { OrganizationKind } from '@/api'
import { ApiError } from '@/http/problem'
import { fieldErrors } from '@/problems'
import {
  blankRow,
  kindAllowed,
  roleFieldErrors,
  rolesBody,
  rowsFromGrants,
  validateRows,
  type GrantRow,
} from '@/pages/users/roleGrants'

import { zhCN } from './support/messages'

const ORG_A = '11111111-1111-1111-1111-111111111111'
const ORG_B = '22222222-2222-2222-2222-222222222222'

const row = (role: GrantRow['role'], organizationId: string): GrantRow => ({ ...blankRow(), role, organizationId })

function unprocessable(errors: { field: string; message: string; code: string }[]) {
  return new ApiError({ type: 'about:blank', title: 'Validation error', status: 422, detail: 'd', code: 'validation_error', errors })
}

const t = (key: string) => `t:${key}`

describe('role rows', () => {
  it('start from the user grants, each with its own key', () => {
    const rows = rowsFromGrants([
      { role: 'expert', organization_id: ORG_A },
      { role: 'admin', organization_id: ORG_B },
    ])
    expect(rows.map((r) => [r.role, r.organizationId])).toEqual([
      ['expert', ORG_A],
      ['admin', ORG_B],
    ])
    expect(new Set(rows.map((r) => r.key)).size).toBe(2)
  })

  it('become the PUT body in order', () => {
    expect(rolesBody([row('expert', ORG_A), row('district_officer', ORG_B)])).toEqual([
      { role: 'expert', organization_id: ORG_A },
      { role: 'district_officer', organization_id: ORG_B },
    ])
    expect(rolesBody([])).toEqual([])
  })

  it('refuse to build a body from a half-filled row', () => {
    expect(() => rolesBody([row('expert', '')])).toThrow()
  })

  it('flag empty fields, keyed as the API keys them', () => {
    expect(validateRows([row('expert', ORG_A), row('', ''), row('admin', '')])).toEqual({
      'roles.1.role': 'required',
      'roles.1.organization_id': 'required',
      'roles.2.organization_id': 'required',
    })
    expect(validateRows([])).toEqual({})
  })

  it('flag the same grant twice', () => {
    expect(validateRows([row('expert', ORG_A), row('expert', ORG_B), row('expert', ORG_A)])).toEqual({
      'roles.2.role': 'duplicate',
    })
  })

  it('flag a role the organisation kind cannot hold, when the kind is known', () => {
    const kinds = new Map<string, OrganizationKind>([
      [ORG_A, 'enterprise'],
      [ORG_B, 'district_office'],
    ])
    expect(validateRows([row('district_officer', ORG_A), row('district_officer', ORG_B)], kinds)).toEqual({
      'roles.0.organization_id': 'kind',
    })
    expect(validateRows([row('applicant', ORG_A), row('expert', ORG_B)], kinds)).toEqual({})
  })

  it('know which organisation kinds hold which role', () => {
    expect(kindAllowed('applicant', 'enterprise')).toBe(true)
    expect(kindAllowed('applicant', 'agency')).toBe(false)
    expect(kindAllowed('district_officer', 'district_office')).toBe(true)
    expect(kindAllowed('admin', 'agency')).toBe(true)
    expect(kindAllowed('agency_officer', 'enterprise')).toBe(false)
    for (const kind of ['enterprise', 'district_office', 'agency', 'other'] as const) {
      expect(kindAllowed('expert', kind)).toBe(true)
      expect(kindAllowed('', kind)).toBe(true)
    }
  })
})

describe('role field errors', () => {
  it('key the PUT body errors (a bare list) like the create body ones', () => {
    const error = unprocessable([{ field: 'body.0.role', message: 'Input should be …', code: 'enum' }])
    expect(roleFieldErrors(error, fieldErrors(error), t)).toEqual({ 'roles.0.role': zhCN.validation.choice })
  })

  it('translate the role checks of the API', () => {
    const error = unprocessable([
      { field: 'roles.1.role', message: 'The role district_officer cannot …', code: 'role_organization_mismatch' },
      { field: 'roles.0.organization_id', message: 'No such organisation.', code: 'not_found' },
    ])
    expect(roleFieldErrors(error, fieldErrors(error), t)).toEqual({
      'roles.1.role': 't:users.roleMismatch',
      'roles.0.organization_id': 't:users.organizationNotFound',
    })
  })

  it('leave the other fields alone', () => {
    const error = unprocessable([{ field: 'body.password', message: 'Too weak', code: 'weak_password' }])
    const found = fieldErrors(error)
    expect(roleFieldErrors(error, found, t)).toEqual(found)
    expect(roleFieldErrors(new Error('x'), {}, t)).toEqual({})
  })
})

import type { FollowUpKind, IntentionRead, PolicyRead, ProjectRead } from '@/api'

export type AnyRecord = ProjectRead | IntentionRead | PolicyRead

/** The message key segment of each kind (`followup.sections.<key>`). */
export const SECTION_KEY: Record<FollowUpKind, 'projects' | 'intentions' | 'policies'> = {
  projects: 'projects',
  intentions: 'intentions',
  'insurance-policies': 'policies',
}

/** What names a record in a button's label or a confirmation. */
export function recordName(kind: FollowUpKind, record: AnyRecord): string {
  if (kind === 'projects') return (record as ProjectRead).user_enterprise
  if (kind === 'intentions') return (record as IntentionRead).buyer
  const policy = record as PolicyRead
  return `${policy.insurer} ${policy.policy_number}`
}

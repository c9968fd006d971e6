/** The expert's assignments grouped by batch: each batch has its own statement to sign. */
import type { BatchBrief, OwnAssignment } from '@/api'

export type BatchGroup = {
  batch: BatchBrief
  /** The expert signed this batch's statement: its material is open. */
  attested: boolean
  items: OwnAssignment[]
}

/** Newest batch first; within a batch the earliest assignment first. */
export function groupByBatch(assignments: readonly OwnAssignment[]): BatchGroup[] {
  const groups = new Map<string, BatchGroup>()
  for (const assignment of assignments) {
    let group = groups.get(assignment.batch.id)
    if (!group) {
      group = { batch: assignment.batch, attested: assignment.attested, items: [] }
      groups.set(assignment.batch.id, group)
    }
    // The statement is per batch; one unsigned row means the batch is not signed yet.
    group.attested = group.attested && assignment.attested
    group.items.push(assignment)
  }
  const result = [...groups.values()]
  for (const group of result) {
    group.items.sort((a, b) => a.assigned_at.localeCompare(b.assigned_at) || a.id.localeCompare(b.id))
  }
  return result.sort(
    (a, b) => b.batch.year - a.batch.year || b.batch.sequence - a.batch.sequence || a.batch.id.localeCompare(b.batch.id),
  )
}

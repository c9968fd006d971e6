/**
 * The admin's assignment list: each assignment with its review (status, total), and the
 * actions the API allows on it in the batch's state (docs/review.md; api/experts/manual.py,
 * api/review/admin.py).
 */
import type { AdminReview, AssignmentRead, BatchStatus } from '@/api'

import { reviewProgress, type ReviewProgress } from './scoring'

export type AssignmentRow = {
  assignment: AssignmentRead
  review: AdminReview | null
  /** `none` while the expert has not opened the review. */
  progress: ReviewProgress | 'none'
}

export type RowAction = 'remove' | 'waive' | 'reopen'

/** Batches in which reviews may still change (scored, waived, reopened). */
const SCORING: readonly BatchStatus[] = ['reviewing', 'deliberation']

export function mergeReviews(assignments: readonly AssignmentRead[], reviews: readonly AdminReview[]): AssignmentRow[] {
  const byAssignment = new Map(reviews.map((r) => [r.assignment_id, r]))
  return assignments.map((assignment) => {
    const review = byAssignment.get(assignment.id) ?? null
    const progress: ReviewProgress | 'none' =
      review && review.status && review.version !== null
        ? reviewProgress({ ...review, status: review.status, version: review.version })
        : 'none'
    return { assignment, review, progress }
  })
}

/** Active first, then by product name and expert, so an application's experts sit together. */
export function sortRows(rows: readonly AssignmentRow[]): AssignmentRow[] {
  return [...rows].sort(
    (a, b) =>
      Number(b.assignment.status === 'active') - Number(a.assignment.status === 'active') ||
      a.assignment.application.product_name_zh.localeCompare(b.assignment.application.product_name_zh, 'zh-CN') ||
      a.assignment.expert.display_name.localeCompare(b.assignment.expert.display_name, 'zh-CN') ||
      a.assignment.id.localeCompare(b.assignment.id),
  )
}

export function rowActions(row: AssignmentRow, batchStatus: BatchStatus): RowAction[] {
  if (row.assignment.status !== 'active') return []
  const actions: RowAction[] = []
  if (batchStatus === 'reviewing') actions.push('remove')
  const appStatus = row.assignment.application.status
  if (SCORING.includes(batchStatus)) {
    if ((row.progress === 'none' || row.progress === 'not_started' || row.progress === 'draft') && appStatus === 'in_review') {
      actions.push('waive')
    }
    if ((row.progress === 'submitted' || row.progress === 'waived') && row.review?.review_id && ['in_review', 'reviewed'].includes(appStatus)) {
      actions.push('reopen')
    }
  }
  return actions
}

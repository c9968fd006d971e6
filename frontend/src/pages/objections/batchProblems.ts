/**
 * The refusals of the publicity moves of a batch (start-publicity, announce) with the figures
 * their problem documents carry: the last day of publicity, the open objections, the
 * undecided applications. Null when the problem is none of these (or lacks its figure).
 */
import { isApiError } from '@/http/problem'

type Translate = (key: string, params: Record<string, string | number>) => string

export function publicityBatchProblem(error: unknown, t: Translate, formatDate: (day: string) => string): string | null {
  if (!isApiError(error)) return null
  const problem = error.problem as { publicity_ends_on?: string | null; open_objections?: number; undecided?: number }
  switch (error.code) {
    case 'publicity_not_over':
      return problem.publicity_ends_on
        ? t('publicity.batchProblems.publicityNotOver', { date: formatDate(problem.publicity_ends_on) })
        : null
    case 'objections_open':
      return typeof problem.open_objections === 'number'
        ? t('publicity.batchProblems.objectionsOpen', { n: problem.open_objections })
        : null
    case 'undecided_applications':
      return typeof problem.undecided === 'number' ? t('publicity.batchProblems.undecided', { n: problem.undecided }) : null
    default:
      return null
  }
}

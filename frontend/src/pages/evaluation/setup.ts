import type { BatchStatus } from '@/api'

/** Batches whose review an admin organises (the Batches screen links to the setup page). */
export const REVIEW_SETUP_STATES: readonly BatchStatus[] = ['closed', 'reviewing', 'deliberation']

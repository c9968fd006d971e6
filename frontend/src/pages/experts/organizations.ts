/** How organisations are named in the pickers of the expert pool. */
import type { OrganizationRef } from '@/api'

/** The name in the current language, with the Chinese name beside an English one. */
export function organizationLabel(org: Pick<OrganizationRef, 'name_zh' | 'name_en'>, locale: string): string {
  return locale === 'en' && org.name_en ? `${org.name_en} (${org.name_zh})` : org.name_zh
}

/** Organisations whose name (either language) or credit code contains `query`, case-insensitively. */
export function matchOrganizations<T extends { name_zh: string; name_en: string | null; uscc?: string | null }>(
  organizations: readonly T[],
  query: string,
): T[] {
  const q = query.trim().toLocaleLowerCase()
  if (!q) return [...organizations]
  return organizations.filter((o) =>
    [o.name_zh, o.name_en ?? '', o.uscc ?? ''].some((text) => text.toLocaleLowerCase().includes(q)),
  )
}

// Messages of the catalogue screens in both languages; merged into the locale files under `catalogue`.
// Problem codes the catalogue API answers go in `problemCodes` with a message in both `problems`.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const zhCN = {
  title: '产品目录',
  detail: { title: '产品详情' },
  verify: { title: '证书查验' },
}

const en: typeof zhCN = {
  title: 'Product catalogue',
  detail: { title: 'Product details' },
  verify: { title: 'Verify a certificate' },
}

const problemsZhCN = {} as Record<string, string>
const problemsEn: typeof problemsZhCN = {}

export const problemCodes: readonly string[] = []

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }

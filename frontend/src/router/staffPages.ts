// One lazy chunk for the logged-in screens.
export { default as WorkbenchPage } from '@/pages/workbench/WorkbenchPage.vue'
export { default as UsersPage } from '@/pages/users/UsersPage.vue'
export { default as AuditPage } from '@/pages/audit/AuditPage.vue'

// One lazy chunk for every public page (a citizen on a phone loads no staff screen).
export { default as HomePage } from '@/pages/home/HomePage.vue'
export { default as LoginPage } from '@/pages/auth/LoginPage.vue'
export { default as RegisterPage } from '@/pages/auth/RegisterPage.vue'
export { default as NotFoundPage } from '@/pages/errors/NotFoundPage.vue'
export { default as ForbiddenPage } from '@/pages/errors/ForbiddenPage.vue'
export { default as PublicityPage } from '@/pages/publicity/PublicityPage.vue'
export { default as ObjectionFormPage } from '@/pages/publicity/ObjectionFormPage.vue'

// One lazy chunk for the public pages (a citizen on a phone loads no staff screen); the
// catalogue pages are chunks of their own, the site's most visited route loading only itself.
export { default as HomePage } from '@/pages/home/HomePage.vue'
export { default as LoginPage } from '@/pages/auth/LoginPage.vue'
export { default as RegisterPage } from '@/pages/auth/RegisterPage.vue'
export { default as ForgotPasswordPage } from '@/pages/auth/ForgotPasswordPage.vue'
export { default as ResetPasswordPage } from '@/pages/auth/ResetPasswordPage.vue'
export { default as NotFoundPage } from '@/pages/errors/NotFoundPage.vue'
export { default as ForbiddenPage } from '@/pages/errors/ForbiddenPage.vue'
export { default as PublicityPage } from '@/pages/publicity/PublicityPage.vue'
export { default as ObjectionFormPage } from '@/pages/publicity/ObjectionFormPage.vue'
export { default as RoadshowsPage } from '@/pages/roadshows/RoadshowsPage.vue'
export { default as RoadshowPage } from '@/pages/roadshows/RoadshowPage.vue'

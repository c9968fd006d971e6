import type { FormItemRule } from 'element-plus'

/** The password policy's length, which the form checks before a round trip (the server also
 * refuses common and guessable passwords). */
export const PASSWORD_MIN_LENGTH = 10

/**
 * The rules of a new password and its confirmation (components/NewPasswordFields.vue):
 * required, long enough, and the confirmation equal to the new password as it is now.
 */
export function newPasswordRules(
  messages: { required: string; length: string; mismatch: string },
  newPassword: () => string,
): { new_password: FormItemRule[]; confirm: FormItemRule[] } {
  const required = { required: true, message: messages.required, trigger: 'blur' }
  const matches: FormItemRule = {
    trigger: 'blur',
    validator: (_rule, value: string, callback) => {
      if (value && value !== newPassword()) callback(new Error(messages.mismatch))
      else callback()
    },
  }
  return {
    new_password: [required, { min: PASSWORD_MIN_LENGTH, message: messages.length, trigger: 'blur' }],
    confirm: [required, matches],
  }
}

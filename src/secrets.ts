import * as core from '@actions/core';
import { encodingsOf } from './audit/redact.ts';

/**
 * Masks each secret in the Actions log in every encoding it takes on the way out (raw, base64,
 * URL-encoded, git's basic-auth header), the moment it is known.
 */
export function registerSecrets(secrets: readonly string[]): void {
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const variant of new Set([secret, ...encodingsOf(secret)])) core.setSecret(variant);
  }
}

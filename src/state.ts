/** Keys the main step saves for the post step. */
export const STATE_SESSION = 'sandbox-session';
export const STATE_ENGINE = 'sandbox-engine';

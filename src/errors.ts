/**
 * An error the user can act on. `hint` says what to do next (an input to set, a permission
 * to grant); main turns it into one failed step with both parts and nothing else.
 */
export class UserError extends Error {
  readonly hint: string;

  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UserError';
    this.hint = hint;
  }
}

/** An input that failed validation: names the input, the bad value and what is accepted. */
export class InputError extends UserError {
  readonly input: string;

  constructor(input: string, message: string, hint: string) {
    super(`Input '${input}': ${message}`, hint);
    this.name = 'InputError';
    this.input = input;
  }
}

/** The container engine could not be reached or refused what was asked of it. */
export class SandboxError extends UserError {
  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(message, hint, options);
    this.name = 'SandboxError';
  }
}

/** A git or GitHub step of publishing failed. */
export class PublishError extends UserError {
  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(message, hint, options);
    this.name = 'PublishError';
  }
}

export function describeError(error: unknown): string {
  if (error instanceof UserError) return `${error.message}\n${error.hint}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

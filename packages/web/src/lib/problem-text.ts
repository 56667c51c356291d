import { isTaskvaultError } from '@taskvault/sdk';
import { errorMessage } from './api-error.ts';

/**
 * What to tell the user about a failed call, in the server's words. A refusal that names fields ("You cannot
 * remove your own administrator role") says more than its envelope's message ("Validation failed"), so the
 * field messages win when there are some.
 */
export function problemText(error: unknown): string {
  const fields = isTaskvaultError(error) ? error.errors : {};
  const messages = Object.values(fields ?? {}).flat();
  if (messages.length > 0) return messages.join(' ');
  // A proxy in front of the server refused the body before the server could say so in its own words.
  if (isTaskvaultError(error) && error.code === 'UNEXPECTED_RESPONSE' && error.status === 413)
    return 'The file is larger than the server accepts.';
  return errorMessage(error);
}

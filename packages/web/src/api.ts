import { createClient } from '@taskvault/sdk';

/** The app talks to the server it was served from. */
export const api = createClient({ baseUrl: window.location.origin });

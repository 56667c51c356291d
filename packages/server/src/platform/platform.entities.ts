import { OutboxMessage } from './mail/outbox-message.entity.ts';

/** The platform's own tables (the mail outbox), for the ORM. */
export const platformEntities = [OutboxMessage];

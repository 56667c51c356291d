import type { EntityManager } from '../db/orm.ts';
import type { MailMessage } from './mail-transport.ts';
import { OutboxMessage } from './outbox-message.entity.ts';

/**
 * Queues an email on `em` without flushing: it is written by the caller's flush, in the caller's
 * transaction, so the email exists if and only if the change that caused it was committed. The
 * dispatcher delivers it afterwards.
 */
export function enqueueMail(em: EntityManager, message: MailMessage): OutboxMessage {
  return em.create(OutboxMessage, {
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
  });
}

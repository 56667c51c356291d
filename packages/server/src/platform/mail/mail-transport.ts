/** One email as the application writes it; the sender address is the deployment's, added on delivery. */
export type MailMessage = { to: string; subject: string; text: string; html: string };

/**
 * Where emails go: an SMTP server, or files on disk when none is configured. `send` resolves once the
 * message has been accepted and rejects otherwise; retrying is the dispatcher's job, not the transport's.
 */
export interface MailTransport {
  send(message: MailMessage & { from: string }): Promise<void>;
  close(): Promise<void>;
}

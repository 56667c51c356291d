/** One email as the application writes it; the sender address is the deployment's, added on delivery. */
export type MailMessage = { to: string; subject: string; text: string; html: string };

export type SendOptions = {
  /**
   * Gives the send up when aborted: the transport drops what carries it (an SMTP connection is destroyed)
   * and `send` rejects. A message that had already reached the server may still be delivered.
   */
  signal?: AbortSignal | undefined;
};

/**
 * Where emails go: an SMTP server, or files on disk when none is configured. `send` resolves once the
 * message has been accepted and rejects otherwise; retrying is the dispatcher's job, not the transport's.
 */
export interface MailTransport {
  send(message: MailMessage & { from: string }, options?: SendOptions): Promise<void>;
  /** Releases the transport for good; sends still in progress are given up and reject. */
  close(): Promise<void>;
}

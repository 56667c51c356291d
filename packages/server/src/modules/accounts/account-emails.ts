import type { MailMessage } from '../../platform/mail/mail-transport.ts';

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

const layout = (
  title: string,
  paragraphs: string[],
  link: { href: string; label: string },
) => `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;color:#14161a;max-width:32rem;margin:0 auto;padding:1rem">
<h1 style="font-size:1.3rem;color:#1f4fd1">${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p><a href="${escapeHtml(link.href)}" style="display:inline-block;background:#1f4fd1;color:#fff;padding:.6rem 1rem;border-radius:6px;text-decoration:none">${escapeHtml(link.label)}</a></p>
<p style="color:#4a5160;font-size:.9rem">Or paste this address into your browser:<br>${escapeHtml(link.href)}</p>
</body></html>`;

export function verificationEmail(
  to: { email: string; username: string },
  link: string,
  validDays: number,
): MailMessage {
  const lines = [
    `Hello ${to.username},`,
    `Please confirm that ${to.email} is your email address for Taskvault. The link works once and for ${validDays} days.`,
    'If you did not create a Taskvault account, ignore this email.',
  ];
  return {
    to: to.email,
    subject: 'Confirm your email address for Taskvault',
    text: `${lines.join('\n\n')}\n\n${link}\n`,
    html: layout('Confirm your email address', lines, { href: link, label: 'Confirm email address' }),
  };
}

export function passwordResetEmail(
  to: { email: string; username: string },
  link: string,
  validDays: number,
): MailMessage {
  const lines = [
    `Hello ${to.username},`,
    `Someone asked to reset the password of your Taskvault account. The link works once and for ${validDays} days; using it signs you out everywhere.`,
    'If it was not you, ignore this email: your password stays as it is.',
  ];
  return {
    to: to.email,
    subject: 'Reset your Taskvault password',
    text: `${lines.join('\n\n')}\n\n${link}\n`,
    html: layout('Reset your password', lines, { href: link, label: 'Choose a new password' }),
  };
}

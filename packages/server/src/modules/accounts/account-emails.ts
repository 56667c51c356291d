import type { MailMessage } from '../../platform/mail/mail-transport.ts';

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

const layoutText = (title: string, paragraphs: string[]) => `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;color:#14161a;max-width:32rem;margin:0 auto;padding:1rem">
<h1 style="font-size:1.3rem;color:#1f4fd1">${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
</body></html>`;

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

type Recipient = { email: string; username: string };

/** One email in both parts: the text part carries the bare link, the HTML part a button and the link. */
const accountEmail = (
  to: Recipient,
  content: { subject: string; title: string; lines: string[]; link: string; label: string },
): MailMessage => ({
  to: to.email,
  subject: content.subject,
  text: `${content.lines.join('\n\n')}\n\n${content.link}\n`,
  html: layout(content.title, content.lines, { href: content.link, label: content.label }),
});

export const verificationEmail = (to: Recipient, link: string, validDays: number): MailMessage =>
  accountEmail(to, {
    subject: 'Confirm your email address for Taskvault',
    title: 'Confirm your email address',
    lines: [
      `Hello ${to.username},`,
      `Please confirm that ${to.email} is your email address for Taskvault. The link works once and for ${validDays} days.`,
      'If you did not create a Taskvault account, ignore this email.',
    ],
    link,
    label: 'Confirm email address',
  });

export const passwordResetEmail = (to: Recipient, link: string, validDays: number): MailMessage =>
  accountEmail(to, {
    subject: 'Reset your Taskvault password',
    title: 'Reset your password',
    lines: [
      `Hello ${to.username},`,
      `Someone asked to reset the password of your Taskvault account. The link works once and for ${validDays} days; using it signs you out everywhere.`,
      'If it was not you, ignore this email: your password stays as it is.',
    ],
    link,
    label: 'Choose a new password',
  });

export const emailChangedNotice = (to: Recipient, newEmail: string): MailMessage => {
  const lines = [
    `Hello ${to.username},`,
    `The email address of your Taskvault account was changed to ${newEmail}.`,
    'If you did not do this, reset your password at once and contact the administrator.',
  ];
  return {
    to: to.email,
    subject: 'Your Taskvault email address was changed',
    text: `${lines.join('\n\n')}\n`,
    html: layoutText('Your email address was changed', lines),
  };
};

/**
 * To the owner of an address someone tried to sign up with: signup answers the same either way, so this
 * email is how a real owner who forgot about their account learns of it (and gets back in). No link for a
 * deactivated account, which a reset would not reopen.
 */
export const signupAttemptNotice = (
  to: Recipient,
  resetLink: string | null,
  validDays: number,
): MailMessage => {
  const lines = [
    `Hello ${to.username},`,
    `Someone, maybe you, tried to create a Taskvault account with ${to.email}. That address already has an account (username ${to.username}), so no new account was made.`,
  ];
  const subject = 'Someone tried to sign up to Taskvault with your email address';
  const title = 'You already have an account';
  if (!resetLink) {
    lines.push(
      'Your account is deactivated: contact the administrator to use it again. If it was not you, ignore this email.',
    );
    return { to: to.email, subject, text: `${lines.join('\n\n')}\n`, html: layoutText(title, lines) };
  }
  lines.push(
    `If it was you and you have forgotten your password, choose a new one with the link below. It works once and for ${validDays} days; using it signs you out everywhere.`,
    'If it was not you, ignore this email: nothing has changed.',
  );
  return accountEmail(to, { subject, title, lines, link: resetLink, label: 'Choose a new password' });
};

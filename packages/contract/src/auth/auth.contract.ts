import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { authenticated } from '../common/common-responses.ts';
import { ErrorEnvelopeSchema, successEnvelope } from '../common/envelope.ts';
import { routeMeta } from '../common/route-meta.ts';
import {
  ChangePasswordBodySchema,
  CsrfHeadersSchema,
  LoginBodySchema,
  LogoutBodySchema,
  PasswordResetBodySchema,
  PasswordResetConfirmBodySchema,
  RefreshBodySchema,
  RegisterBodySchema,
  ResendVerificationBodySchema,
  TokenPairSchema,
  UpdateProfileBodySchema,
  ProfileSchema,
  VerifyEmailParamsSchema,
} from './auth.schemas.ts';

const c = initContract();
const Done = successEnvelope(z.null());

/** The routes both documents' sign-up flows share, reused by the deprecated file-sharing paths. */
export const registerRoute = {
  method: 'POST',
  body: RegisterBodySchema,
  // No user in the answer: it would differ between a new account and an email that already has one.
  responses: { 201: Done },
  summary: 'Register',
  description:
    'Creates an account and sends a verification email to the address. When the address already has an ' +
    'account, no account is made and its owner gets an email saying so, with a password-reset link. Both ' +
    'answer the same 201 (`data` is null) in the same time, so signup does not tell who has an account. ' +
    'Invalid data, a taken username (usernames are public) or a weak password: 400 naming each field.',
  metadata: routeMeta('public'),
} as const;

export const loginRoute = {
  method: 'POST',
  body: LoginBodySchema,
  responses: { 200: successEnvelope(TokenPairSchema), 401: ErrorEnvelopeSchema, 403: ErrorEnvelopeSchema },
  summary: 'Log in',
  description:
    'Exchanges email or username and password for an access token (JWT, 15 minutes) and a refresh token. ' +
    'Unknown user and wrong password get the same 401 `INVALID_CREDENTIALS`; 403 `EMAIL_NOT_VERIFIED` until the ' +
    'email is verified, 403 `ACCOUNT_DISABLED` for a deactivated account; 429 with `Retry-After` after repeated ' +
    'failures on one account from one address, or too many attempts from one address. Failures from other ' +
    'addresses never refuse yours.',
  metadata: routeMeta('public'),
} as const;

export const verifyEmailRoute = {
  method: 'GET',
  pathParams: VerifyEmailParamsSchema,
  responses: { 200: Done },
  summary: 'Verify email',
  description:
    'Follows the link from the verification email. 400 `INVALID_LINK` for a malformed, tampered, expired or ' +
    'already used link (links stop working once used, or when the email or password changes; they last 3 days).',
  metadata: routeMeta('public'),
} as const;

export const authContract = c.router(
  {
    register: { ...registerRoute, path: '/register' },
    verifyEmail: { ...verifyEmailRoute, path: '/verify-email/:uid/:token' },
    resendVerification: {
      method: 'POST',
      path: '/verify-email/resend',
      body: ResendVerificationBodySchema,
      responses: { 202: Done },
      summary: 'Resend the verification email',
      description: 'Always 202 with the same answer, whether or not the address has an unverified account.',
      metadata: routeMeta('public'),
    },
    login: { ...loginRoute, path: '/login' },
    refresh: {
      method: 'POST',
      path: '/refresh',
      headers: CsrfHeadersSchema,
      body: RefreshBodySchema,
      responses: {
        200: successEnvelope(TokenPairSchema),
        401: ErrorEnvelopeSchema,
        403: ErrorEnvelopeSchema,
      },
      summary: 'Refresh the tokens',
      description:
        'Exchanges a refresh token for a new pair; the presented refresh token is spent. Presenting a spent ' +
        'refresh token again is treated as theft: 401 and every token of that sign-in stops working. Without a ' +
        '`refresh` in the body the HttpOnly cookie is used, which needs the `X-Taskvault-CSRF` header (403 without).',
      metadata: routeMeta('public'),
    },
    logout: {
      method: 'POST',
      path: '/logout',
      headers: CsrfHeadersSchema,
      body: LogoutBodySchema,
      responses: { 200: Done, 403: ErrorEnvelopeSchema },
      summary: 'Log out',
      description:
        'Revokes the sign-in the refresh token belongs to (every token descended from it). Idempotent. All or ' +
        'nothing: 200 means the sign-in has ended, its access tokens included; an error (503 when a backing ' +
        'service is unavailable) means it has not, and the tokens keep working: try again.',
      metadata: routeMeta('public'),
    },
    logoutAll: {
      method: 'POST',
      path: '/logout-all',
      body: c.noBody(),
      responses: authenticated({
        200: successEnvelope(z.object({ revokedSessions: z.number().int().min(0) })),
      }),
      summary: 'Log out everywhere',
      description: 'Revokes every sign-in of the caller, on every device.',
      metadata: routeMeta('user'),
    },
    profile: {
      method: 'GET',
      path: '/profile',
      responses: authenticated({ 200: successEnvelope(ProfileSchema) }),
      summary: 'Your profile',
      description: 'The signed-in user, with their storage use and quota.',
      metadata: routeMeta('user'),
    },
    updateProfile: {
      method: 'PATCH',
      path: '/profile',
      body: UpdateProfileBodySchema,
      responses: authenticated({ 200: successEnvelope(ProfileSchema) }),
      summary: 'Update your profile',
      description:
        'Changes names, username or email. A new email makes the account unverified and sends a verification link ' +
        'to the new address. A taken username or email: 400 naming the field.',
      metadata: routeMeta('user'),
    },
    changePassword: {
      method: 'POST',
      path: '/change-password',
      body: ChangePasswordBodySchema,
      responses: authenticated({ 200: Done }),
      summary: 'Change your password',
      description:
        'Needs the current password (400 if wrong). Every other sign-in of the account is revoked.',
      metadata: routeMeta('user'),
    },
    requestPasswordReset: {
      method: 'POST',
      path: '/password-reset',
      body: PasswordResetBodySchema,
      responses: { 202: Done },
      summary: 'Request a password reset',
      description:
        'Always 202 with the same answer; when the address has an account, a reset link is emailed.',
      metadata: routeMeta('public'),
    },
    confirmPasswordReset: {
      method: 'POST',
      path: '/password-reset/confirm',
      body: PasswordResetConfirmBodySchema,
      responses: { 200: Done },
      summary: 'Set a new password with a reset link',
      description:
        'Uses the uid and token from the reset link. The link works once and expires after 3 days; every sign-in ' +
        'of the account is revoked. 400 `INVALID_LINK` otherwise.',
      metadata: routeMeta('public'),
    },
  },
  { pathPrefix: '/auth' },
);

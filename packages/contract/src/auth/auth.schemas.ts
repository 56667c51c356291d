import { z } from 'zod';
import { StorageUsageSchema } from '../files/files.schemas.ts';

/** Trimmed and lower-cased before it is checked, so `  Ann@Example.COM ` and `ann@example.com` are one account. */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('Enter a valid email address').max(254))
  .meta({ description: 'Email address; stored trimmed and lower-cased.', examples: ['ann@example.com'] });

export const UsernameSchema = z
  .string()
  .trim()
  .min(3)
  .max(30)
  .regex(/^[A-Za-z0-9_-]+$/, 'Use only letters, digits, _ and -')
  .meta({
    description: '3 to 30 letters, digits, `_` or `-`; unique whatever its case.',
    examples: ['ann_lee'],
  });

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
/** Length only: the server also refuses common passwords, all-digit ones and ones too close to the user's name. */
export const PasswordSchema = z
  .string()
  .min(PASSWORD_MIN)
  .max(PASSWORD_MAX)
  .meta({
    description: `${PASSWORD_MIN} to ${PASSWORD_MAX} characters; not common, not all digits, not like your username or email.`,
  });

const NameSchema = z.string().trim().max(100);

/** The user the examples of the OpenAPI document show. */
const exampleUser = {
  id: '5f0c1a2b-3d4e-4f60-8a7b-9c0d1e2f3a4b',
  email: 'ann@example.com',
  username: 'ann_lee',
  firstName: 'Ann',
  lastName: 'Lee',
  role: 'user',
  emailVerified: true,
  isActive: true,
  createdAt: '2026-05-02T08:15:00.000Z',
  updatedAt: '2026-05-02T08:20:00.000Z',
  lastLoginAt: '2026-06-01T09:30:00.000Z',
};
export const RoleSchema = z.enum(['user', 'admin']).meta({ id: 'Role' });
export type Role = z.infer<typeof RoleSchema>;

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    username: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    role: RoleSchema,
    emailVerified: z.boolean(),
    isActive: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    lastLoginAt: z.iso.datetime().nullable(),
  })
  .meta({
    id: 'User',
    description: 'An account, as its owner and administrators see it.',
    examples: [exampleUser],
  });
export type User = z.infer<typeof UserSchema>;

/** The signed-in user as they see themselves: with their storage use against their quota. */
export const ProfileSchema = UserSchema.extend({ storage: StorageUsageSchema }).meta({ id: 'Profile' });
export type Profile = z.infer<typeof ProfileSchema>;

export const RegisterBodySchema = z
  .strictObject({
    email: EmailSchema,
    username: UsernameSchema,
    password: PasswordSchema,
    firstName: NameSchema.optional(),
    lastName: NameSchema.optional(),
  })
  .meta({
    examples: [
      {
        email: 'ann@example.com',
        username: 'ann_lee',
        password: 'plum-orbit-harbour-42',
        firstName: 'Ann',
        lastName: 'Lee',
      },
    ],
  });
export type RegisterBody = z.infer<typeof RegisterBodySchema>;

/**
 * Where the refresh token travels: in the JSON body (apps, SDKs), or as an HttpOnly cookie that script
 * cannot read (browsers).
 */
export const RefreshTransportSchema = z.enum(['body', 'cookie']).default('body').meta({
  description:
    '`cookie`: the refresh token is set as an HttpOnly cookie and `refresh` in the answer is null.',
});

export const LoginBodySchema = z
  .strictObject({
    email: EmailSchema.optional(),
    username: z.string().trim().min(1).max(254).optional(),
    password: z.string().min(1).max(1024),
    refreshTransport: RefreshTransportSchema,
  })
  .refine((b) => (b.email === undefined) !== (b.username === undefined), {
    message: 'Give either your email or your username',
    path: ['email'],
  })
  .meta({
    description: 'Your email or your username (one of the two), and your password.',
    examples: [{ email: 'ann@example.com', password: 'plum-orbit-harbour-42' }],
  });
export type LoginBody = z.infer<typeof LoginBodySchema>;

export const TokenPairSchema = z
  .object({
    tokenType: z.literal('Bearer'),
    access: z.string().meta({ description: 'JWT access token; send as `Authorization: Bearer <access>`.' }),
    accessExpiresAt: z.iso.datetime(),
    refresh: z.string().nullable().meta({ description: 'Refresh token; null when it was set as a cookie.' }),
    refreshExpiresAt: z.iso.datetime(),
    user: UserSchema,
  })
  .meta({
    id: 'TokenPair',
    description: 'The tokens of a sign-in, and who signed in.',
    examples: [
      {
        tokenType: 'Bearer',
        access: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1ZjBjMWEyYiJ9.c2lnbmF0dXJl',
        accessExpiresAt: '2026-06-01T09:45:00.000Z',
        refresh: 'rt_3q2+7w8AbCdEfGhIjKlMnOpQrStUvWxYz',
        refreshExpiresAt: '2026-07-01T09:30:00.000Z',
        user: exampleUser,
      },
    ],
  });
export type TokenPair = z.infer<typeof TokenPairSchema>;

const RefreshTokenSchema = z.string().min(1).max(512);

export const RefreshBodySchema = z
  .strictObject({
    refresh: RefreshTokenSchema.optional().meta({
      description: 'Omit to use the refresh cookie (then send `X-Taskvault-CSRF: 1`).',
    }),
    refreshTransport: RefreshTransportSchema,
  })
  .meta({ examples: [{ refresh: 'rt_3q2+7w8AbCdEfGhIjKlMnOpQrStUvWxYz' }] });
export const LogoutBodySchema = z
  .strictObject({
    refresh: RefreshTokenSchema.optional().meta({
      description: 'Omit to use the refresh cookie (then send `X-Taskvault-CSRF: 1`).',
    }),
  })
  .meta({ examples: [{ refresh: 'rt_3q2+7w8AbCdEfGhIjKlMnOpQrStUvWxYz' }] });
export const CsrfHeadersSchema = z.object({
  'x-taskvault-csrf': z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'Required (any value) when the refresh token comes from the cookie.' }),
});

export const ResendVerificationBodySchema = z.strictObject({ email: EmailSchema });

export const VerifyEmailParamsSchema = z.object({
  uid: z.string().max(64),
  token: z.string().max(128),
});

export const UpdateProfileBodySchema = z
  .strictObject({
    firstName: NameSchema.optional(),
    lastName: NameSchema.optional(),
    username: UsernameSchema.optional(),
    email: EmailSchema.optional().meta({
      description:
        'Changing it needs `currentPassword` and makes the account unverified until the new address is confirmed.',
    }),
    currentPassword: z.string().min(1).max(1024).optional().meta({
      description:
        'Required to change the email: a stolen access token alone must not take the account over.',
    }),
  })
  .refine((b) => [b.firstName, b.lastName, b.username, b.email].some((v) => v !== undefined), {
    message: 'Nothing to change',
  })
  .refine((b) => b.email === undefined || b.currentPassword !== undefined, {
    message: 'Give your current password to change your email',
    path: ['currentPassword'],
  });
export type UpdateProfileBody = z.infer<typeof UpdateProfileBodySchema>;

export const ChangePasswordBodySchema = z
  .strictObject({
    currentPassword: z.string().min(1).max(1024),
    newPassword: PasswordSchema,
  })
  .meta({ examples: [{ currentPassword: 'plum-orbit-harbour-42', newPassword: 'quiet-lantern-meadow-17' }] });

export const PasswordResetBodySchema = z.strictObject({ email: EmailSchema });

export const PasswordResetConfirmBodySchema = z
  .strictObject({
    uid: z.string().max(64).meta({ description: 'From the reset link.' }),
    token: z.string().max(128).meta({ description: 'From the reset link.' }),
    newPassword: PasswordSchema,
  })
  .meta({
    examples: [{ uid: 'NWYwYzFhMmI', token: 'd4k2-9f1c3e7a5b', newPassword: 'quiet-lantern-meadow-17' }],
  });

import { Session } from './session.entity.ts';
import { User } from './user.entity.ts';

/** The tables of accounts and their sign-ins, for the ORM. */
export const accountsEntities = [User, Session];

import { randomBytes } from 'node:crypto';

/** A build id: 12 URL-safe characters, 72 random bits, so ids never collide in practice. */
export const newId = (): string => randomBytes(9).toString('base64url');

export const now = (): string => new Date().toISOString();

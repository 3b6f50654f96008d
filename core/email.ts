/**
 * One spelling per address: NFKC folds look-alike forms (full-width letters, ligatures) into
 * their plain ones and case never matters, so "Ana@Example.com" and "ａｎａ@example.com" are
 * one account, never two.
 */
import { z } from 'zod';

export function normalizeEmail(text: string): string {
  return text.normalize('NFKC').trim().toLowerCase();
}

/** Plain addresses only: no display names, no spaces, no control or invisible characters. */
const EMAIL = /^[^\s@\p{C}]+@[^\s@\p{C}]+\.[^\s@\p{C}]+$/u;

export const emailSchema = z
  .string()
  .max(254)
  .transform(normalizeEmail)
  .refine((value) => EMAIL.test(value), { message: 'must be an email address such as ana@example.com' });

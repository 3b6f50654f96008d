import { describe, expect, it } from 'vitest';
import { classifyRestoreErrors, describeErrors, parseRestoreErrors } from '../../activities/engines/postgres/restore-errors.js';

describe('restore error classification', () => {
  it('parses pg_restore errors with the command that failed', () => {
    const errors = parseRestoreErrors([
      'pg_restore: error: could not execute query: ERROR:  role "app_owner" does not exist',
      'Command was: ALTER TABLE public.accounts OWNER TO app_owner;',
      'pg_restore: error: could not execute query: ERROR:  relation "public.nowhere" does not exist',
      'Command was: CREATE TABLE public.dangling (id int REFERENCES public.nowhere(id));',
    ]);
    expect(errors).toEqual([
      { message: 'role "app_owner" does not exist', command: 'ALTER TABLE public.accounts OWNER TO app_owner;' },
      { message: 'relation "public.nowhere" does not exist', command: 'CREATE TABLE public.dangling (id int REFERENCES public.nowhere(id));' },
    ]);
  });

  it('parses psql script errors', () => {
    expect(parseRestoreErrors(['psql:<stdin>:42: ERROR:  syntax error at or near "CREAT"', 'LINE 1: CREAT TABLE x;'])).toEqual([{ message: 'syntax error at or near "CREAT"' }]);
  });

  it('keeps a genuine error visible among many harmless ones', () => {
    const lines = [
      ...Array.from({ length: 50 }, (_, i) => `psql:<stdin>:${i}: ERROR:  role "owner_${i}" does not exist`),
      'psql:<stdin>:99: ERROR:  extension "postgis" is not available',
      'psql:<stdin>:100: ERROR:  schema "public" already exists',
    ];
    const { genuine, harmless, harmlessSummary } = classifyRestoreErrors(parseRestoreErrors(lines));
    expect(genuine).toEqual([{ message: 'extension "postgis" is not available' }]);
    expect(harmless).toHaveLength(51);
    expect(harmlessSummary).toBe('role missing from the sandbox ×50, public schema already exists ×1');
  });

  it('summarises the first errors and counts the rest', () => {
    const errors = Array.from({ length: 5 }, (_, i) => ({ message: `error ${i}` }));
    expect(describeErrors(errors)).toBe('error 0; error 1; error 2; and 2 more');
  });
});

describe('failure messages', () => {
  it('name the failing statement without its values', () => {
    const text = describeErrors([{ message: 'value too long for type character varying(5)', command: "INSERT INTO public.customers (id, email) VALUES (7, 'alice@secret.example');" }]);
    expect(text).toBe('value too long for type character varying(5) (in: INSERT INTO public.customers)');
    expect(text).not.toContain('alice');
  });
});

describe('pg_dump --clean scripts', () => {
  it('treat a failed DROP of a missing object as harmless, and nothing else that is missing', () => {
    const errors = parseRestoreErrors([
      'psql:<stdin>:20: ERROR:  table "orders" does not exist',
      'psql:<stdin>:20: STATEMENT:  DROP TABLE public.orders;',
      'psql:<stdin>:21: ERROR:  relation "public.orders" does not exist',
      'psql:<stdin>:21: STATEMENT:  ALTER TABLE ONLY "Sales Ops"."Odd ""Quoted"" Name" DROP CONSTRAINT "Odd_pkey";',
      'psql:<stdin>:22: ERROR:  relation "public.orders" does not exist',
      'psql:<stdin>:22: STATEMENT:  ALTER TABLE public.orders ALTER COLUMN id DROP DEFAULT;',
      'psql:<stdin>:90: ERROR:  relation "public.nowhere" does not exist',
      'psql:<stdin>:90: STATEMENT:  CREATE TABLE public.dangling (id int REFERENCES public.nowhere (id));',
    ]);
    const { genuine, harmless } = classifyRestoreErrors(errors);
    expect(harmless).toHaveLength(3);
    expect(genuine.map((e) => e.message)).toEqual(['relation "public.nowhere" does not exist']);
  });
});

/**
 * The baseline of the read suites: the very statements a db/queries function sends, replayed
 * through the bare `postgres` driver. They are captured by running the function once on a drizzle
 * instance whose client records each `unsafe` call, with its parameters, its prepare flag, its
 * result mode and when it was in flight, so that the replay issues the same SQL with the same
 * parallelism (getDrill's three child reads go out together) and nothing of drizzle's own cost.
 */
import { performance } from 'node:perf_hooks';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { HistoryDb } from '../../db/client.js';
import * as schema from '../../db/schema/index.js';

export interface Statement {
  text: string;
  params: unknown[];
  prepare: boolean;
  /** drizzle reads selects as arrays of values, other statements as row objects. */
  asValues: boolean;
}

/** Statements in the order sent; the statements of one group were in flight at the same time. */
export type StatementGroups = Statement[][];

export interface SqlReplay {
  /** Runs `query` once, returning what it returned and the statements it sent. */
  capture<T>(query: (db: HistoryDb) => Promise<T>): Promise<{ value: T; groups: StatementGroups }>;
  /** Sends the statements again, group after group, through the driver alone. */
  replay(groups: StatementGroups): Promise<number>;
  /** EXPLAIN (ANALYZE, BUFFERS) of each statement, for the profile in the report's notes. */
  explain(groups: StatementGroups): Promise<string[]>;
  close(): Promise<void>;
}

interface InFlight {
  statement: Omit<Statement, 'asValues'>;
  query: { isRaw?: boolean | 'values' };
  startedAt: number;
  endedAt: number | null;
}

export function sqlReplay(url: string, options: { max: number }): SqlReplay {
  // One client for both: drizzle installs its type parsers on it, so the replay parses alike.
  const client = postgres(url, { max: options.max, onnotice: () => {} });
  let recording: InFlight[] | null = null;
  const recorder = new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'unsafe') return Reflect.get(target, property, receiver);
      return (text: string, params: unknown[] = [], queryOptions: { prepare?: boolean } = {}) => {
        const query = target.unsafe(text, params as never[], queryOptions);
        if (recording) {
          const entry: InFlight = { statement: { text, params, prepare: queryOptions.prepare ?? false }, query: query as unknown as InFlight['query'], startedAt: performance.now(), endedAt: null };
          recording.push(entry);
          // then() makes postgres.js send the query, but a microtask later: drizzle's .values() still applies.
          query.then(
            () => (entry.endedAt = performance.now()),
            () => (entry.endedAt = performance.now()),
          );
        }
        return query;
      };
    },
  });
  const db = drizzle(recorder, { schema }) as unknown as HistoryDb;

  function send(statement: Statement) {
    const query = client.unsafe(statement.text, statement.params as never[], { prepare: statement.prepare });
    return statement.asValues ? query.values() : query;
  }

  return {
    async capture(query) {
      recording = [];
      try {
        const value = await query(db);
        return { value, groups: groupByOverlap(recording) };
      } finally {
        recording = null;
      }
    },
    async replay(groups) {
      let rows = 0;
      for (const group of groups) {
        const results = await Promise.all(group.map(send));
        rows += results.reduce((n, r) => n + r.length, 0);
      }
      return rows;
    },
    async explain(groups) {
      const plans: string[] = [];
      for (const statement of groups.flat()) {
        const lines = await client.unsafe(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.params as never[]);
        plans.push(lines.map((l) => l['QUERY PLAN']).join('\n'));
      }
      return plans;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

function groupByOverlap(recorded: InFlight[]): StatementGroups {
  const groups: StatementGroups = [];
  let firstAnswerInGroup = -Infinity;
  for (const entry of recorded) {
    const statement: Statement = { ...entry.statement, asValues: entry.query.isRaw === 'values' };
    const endedAt = entry.endedAt ?? Infinity;
    // Sent before any statement of the group had answered: it did not wait for them.
    if (groups.length > 0 && entry.startedAt < firstAnswerInGroup) {
      groups.at(-1)!.push(statement);
      firstAnswerInGroup = Math.min(firstAnswerInGroup, endedAt);
    } else {
      groups.push([statement]);
      firstAnswerInGroup = endedAt;
    }
  }
  return groups;
}

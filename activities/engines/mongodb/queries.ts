/**
 * The deeper checks on a restored MongoDB sandbox: a plan's own queries (count, find, aggregate as
 * JSON, Extended JSON values allowed), the newest date in a field, and `validate` on every
 * collection. Each is bounded server-side by maxTimeMS and client-side by closing the connection.
 */
import { BSON, type Document, type MongoClient } from 'mongodb';
import type { AssertionQuery, MongoQuery, ScalarValue } from '../../../core/checks.js';
import type { IntegrityReport, ObjectRef, QueryRequest } from '../engine.js';
import { listUserCollections, listUserDatabases, withSandboxClient } from './client.js';

export async function runMongoAssertion(request: QueryRequest & { query: AssertionQuery }): Promise<ScalarValue> {
  if (!('mongo' in request.query)) throw new Error('MongoDB plans take "mongo" queries, not SQL');
  const query: MongoQuery = request.query.mongo;
  const maxTimeMS = request.timeoutMs;
  return withSandboxClient(request.sandbox, { signal: request.signal, timeoutMs: request.timeoutMs + 5_000 }, async (client) => {
    const collection = client.db(await databaseFor(client, query.database)).collection(query.collection);
    if (query.count !== undefined) return collection.countDocuments(ejson(query.count), { maxTimeMS });
    if (query.find !== undefined) {
      const doc = await collection.findOne(ejson(query.find), { sort: query.sort ? ejson(query.sort) : undefined, maxTimeMS });
      return doc ? toScalar(fieldValue(doc, query.field as string)) : null;
    }
    const first = await collection.aggregate((query.aggregate ?? []).map(ejson), { maxTimeMS }).next();
    if (!first) return null;
    const field = Object.keys(first).find((key) => key !== '_id') ?? '_id';
    return toScalar(first[field]);
  });
}

export async function newestMongoTimestamp(request: QueryRequest & { table: ObjectRef; column: string }): Promise<Date | null> {
  const { table, column } = request;
  return withSandboxClient(request.sandbox, { signal: request.signal, timeoutMs: request.timeoutMs + 5_000 }, async (client) => {
    const database = await databaseFor(client, table.schema || undefined);
    const collection = client.db(database).collection(table.name);
    const maxTimeMS = request.timeoutMs;
    const newest = await collection.findOne({ [column]: { $type: 'date' } }, { sort: { [column]: -1 }, projection: { [column]: 1 }, maxTimeMS });
    if (newest) return fieldValue(newest, column) as Date;
    const other = await collection.findOne({ [column]: { $exists: true, $ne: null } }, { projection: { [column]: 1 }, maxTimeMS });
    if (other) {
      const value = fieldValue(other, column);
      throw new Error(`field "${column}" of ${database}.${table.name} holds no dates (found ${describeType(value)})`);
    }
    return null;
  });
}

/**
 * `validate` with {full: true} on every collection. FerretDB answers validate without looking at
 * anything (always `valid: true`), so a FerretDB sandbox reports the check as unsupported rather
 * than as a pass it did not earn.
 */
export async function checkMongoIntegrity(request: QueryRequest): Promise<IntegrityReport> {
  const method = 'validate {full: true}';
  return withSandboxClient(request.sandbox, { signal: request.signal, timeoutMs: request.timeoutMs }, async (client) => {
    const info = await client.db('admin').command({ buildInfo: 1 });
    if (typeof info.ferretdbVersion === 'string') {
      return { method, checked: 0, problems: [], unsupported: `FerretDB ${info.ferretdbVersion.replace(/^v/, '')} does not implement validate (it answers "valid" without checking anything)` };
    }
    const problems: string[] = [];
    let checked = 0;
    for (const { database, collection } of await listUserCollections(client)) {
      const result = await client.db(database).command({ validate: collection, full: true });
      checked += 1;
      if (result.valid !== true) {
        const details = [...asStrings(result.errors), ...asStrings(result.corruptRecords).map((r) => `corrupt record ${r}`)];
        problems.push(`${database}.${collection}: ${details.slice(0, 3).join('; ') || 'not valid'}`);
      }
    }
    return { method, checked, problems };
  });
}

/** The database a query names, or the only user database restored. */
async function databaseFor(client: MongoClient, named: string | undefined): Promise<string> {
  if (named) return named;
  const databases = await listUserDatabases(client);
  if (databases.length === 1) return databases[0] as string;
  throw new Error(databases.length === 0 ? 'the sandbox holds no user database to query' : `the sandbox holds ${databases.length} user databases (${databases.slice(0, 5).join(', ')}): name one with "database"`);
}

/** Plans write filters as JSON; Extended JSON ({"$date": …}, {"$oid": …}) gives them BSON types. */
function ejson(value: Record<string, unknown>): Document {
  return BSON.EJSON.deserialize(value as Document, { relaxed: false }) as Document;
}

function fieldValue(doc: Document, field: string): unknown {
  let value: unknown = doc;
  for (const part of field.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function toScalar(value: unknown): ScalarValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof BSON.Long) return value.toNumber();
  if (value instanceof BSON.Int32 || value instanceof BSON.Double) return value.valueOf();
  if (value instanceof BSON.Decimal128) return Number(value.toString());
  if (value instanceof BSON.ObjectId) return value.toHexString();
  return JSON.stringify(BSON.EJSON.serialize(value as Document, { relaxed: true }));
}

function describeType(value: unknown): string {
  if (value instanceof BSON.ObjectId) return 'an ObjectId';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return (value as { _bsontype?: string })._bsontype ?? 'a document';
  return `a ${typeof value}`;
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : [];
}

/** buildInfo comes from the server binary; FerretDB names itself beside the MongoDB version it emulates. */
export async function mongoServerVersion(request: QueryRequest): Promise<string> {
  return withSandboxClient(request.sandbox, { signal: request.signal, timeoutMs: request.timeoutMs }, async (client) => {
    const info = await client.db('admin').command({ buildInfo: 1 });
    if (typeof info.ferretdbVersion === 'string') return `FerretDB ${info.ferretdbVersion.replace(/^v/, '')} (MongoDB ${String(info.version)} compatible)`;
    return `MongoDB ${String(info.version)}`;
  });
}

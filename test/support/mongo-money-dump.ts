/**
 * A MongoDB backup holding money as Decimal128, the way mongodump writes it. No server here can
 * store Decimal128 when only FerretDB is installed, so mongodump cannot make it: the real dump
 * directory made from the fixture dataset gets one more collection in mongodump's own layout
 * (`<db>/<collection>.bson`: the documents' BSON back to back; `.metadata.json` beside it), and the
 * archive is the same content in mongodump's archive framing (prelude, namespace blocks, CRC-64).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BSON, Decimal128 } from 'mongodb';
import { ARCHIVE_MAGIC } from '../../activities/engines/mongodb/format.js';

export const MONEY_COLLECTION = { database: 'shop', collection: 'prices', documents: 40 };

function priceDocuments(): Buffer[] {
  return Array.from({ length: MONEY_COLLECTION.documents }, (_, i) =>
    Buffer.from(BSON.serialize({ _id: i + 1, sku: `sku-${i}`, price: Decimal128.fromString(`${(i * 1.37 + 0.1).toFixed(2)}`), history: [{ at: new Date(Date.UTC(2026, 0, 1 + i)), price: Decimal128.fromString('9.99') }] })),
  );
}

/** A copy of `sourceDir` (a real mongodump directory) with the Decimal128 collection added. */
export function moneyDumpDirectory(sourceDir: string, targetDir: string): string {
  fs.cpSync(sourceDir, targetDir, { recursive: true });
  const dbDir = path.join(targetDir, MONEY_COLLECTION.database);
  fs.writeFileSync(path.join(dbDir, `${MONEY_COLLECTION.collection}.bson`), Buffer.concat(priceDocuments()));
  const metadata = { indexes: [{ v: { $numberInt: '2' }, key: { _id: { $numberInt: '1' } }, name: '_id_' }], uuid: '5d2c3a0b9e7f4c1a8b6d0e2f4a6c8e01', collectionName: MONEY_COLLECTION.collection, type: 'collection' };
  fs.writeFileSync(path.join(dbDir, `${MONEY_COLLECTION.collection}.metadata.json`), JSON.stringify(metadata));
  return targetDir;
}

/** The Decimal128 collection alone as a mongodump archive file. */
export function moneyDumpArchive(file: string, serverVersion: string): string {
  const { database: db, collection } = MONEY_COLLECTION;
  const docs = priceDocuments();
  const bson = (value: object) => Buffer.from(BSON.serialize(value));
  const terminator = Buffer.alloc(4, 0xff);
  const metadata = JSON.stringify({ indexes: [{ v: { $numberInt: '2' }, key: { _id: { $numberInt: '1' } }, name: '_id_' }], collectionName: collection, type: 'collection' });
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(ARCHIVE_MAGIC);
  const parts = [
    magic,
    bson({ concurrent_collections: 1, version: '0.1', server_version: serverVersion, tool_version: '100.12.2' }),
    bson({ db, collection, metadata, size: docs.reduce((n, d) => n + d.length, 0), type: 'collection' }),
    terminator,
    bson({ db, collection, EOF: false, CRC: BSON.Long.fromNumber(0) }),
    ...docs,
    terminator,
    bson({ db, collection, EOF: true, CRC: BSON.Long.fromBigInt(crc64(docs), false) }),
    terminator,
  ];
  fs.writeFileSync(file, Buffer.concat(parts));
  return file;
}

/** CRC-64/ECMA as Go's hash/crc64 computes it (mongo-tools checks each collection's documents). */
function crc64(chunks: Buffer[]): bigint {
  const table = crcTable();
  let crc = ~0n & 0xffffffffffffffffn;
  for (const chunk of chunks) for (const byte of chunk) crc = table[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n);
  const value = ~crc & 0xffffffffffffffffn;
  return value >= 1n << 63n ? value - (1n << 64n) : value;
}

let cachedTable: bigint[] | undefined;
function crcTable(): bigint[] {
  if (cachedTable) return cachedTable;
  const poly = 0xc96c5795d7870f42n;
  cachedTable = Array.from({ length: 256 }, (_, i) => {
    let crc = BigInt(i);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    return crc;
  });
  return cachedTable;
}

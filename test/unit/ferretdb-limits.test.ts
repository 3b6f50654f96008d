import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BSON, Decimal128 } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { LimitationScanner, unsupportedOption, unsupportedType, type Limitation } from '../../activities/engines/mongodb/ferretdb-limits.js';

const doc = (value: object) => Buffer.from(BSON.serialize(value));

async function scan(bytes: Buffer, kind: 'archive' | 'bson', chunkSize = 7): Promise<{ found: Limitation | undefined; passed: Buffer }> {
  let found: Limitation | undefined;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), new LimitationScanner(kind, 'shop.x', (l) => (found = l)), new Writable({ write: (c, _e, done) => (out.push(c), done()) }));
  return { found, passed: Buffer.concat(out) };
}

describe('FerretDB limitation scanner', () => {
  it('finds Decimal128 nested in arrays, across chunk boundaries, and passes every byte through', async () => {
    const bytes = Buffer.concat([doc({ a: 1, b: 'x' }), doc({ lines: [{ price: Decimal128.fromString('1.50') }] })]);
    const { found, passed } = await scan(bytes, 'bson');
    expect(found).toEqual({ feature: 'Decimal128 values', namespace: 'shop.x' });
    expect(passed.equals(bytes)).toBe(true);
  });

  it('finds nothing in documents FerretDB can hold', async () => {
    const bytes = Buffer.concat([doc({ a: 1.5, s: 'text', d: new Date(0), n: null, r: /x/i, arr: [1, 2, { z: true }], bin: new BSON.Binary(Buffer.from('ab')) })]);
    expect((await scan(bytes, 'bson')).found).toBeUndefined();
  });

  it('names the collection from the archive namespace header, and views from the prelude', async () => {
    const magic = Buffer.from([0x6d, 0xe2, 0x99, 0x81]);
    const end = Buffer.alloc(4, 0xff);
    const archive = Buffer.concat([magic, doc({ version: '0.1' }), doc({ db: 'shop', collection: 'orders', metadata: '{"options":{}}' }), end, doc({ db: 'shop', collection: 'prices', EOF: false, CRC: 0 }), doc({ p: Decimal128.fromString('2') }), end]);
    expect((await scan(archive, 'archive', 5)).found).toEqual({ feature: 'Decimal128 values', namespace: 'shop.prices' });
    const withView = Buffer.concat([magic, doc({ version: '0.1' }), doc({ db: 'shop', collection: 'v', metadata: '{"options":{"viewOn":"orders","pipeline":[]}}', type: 'view' }), end]);
    expect((await scan(withView, 'archive')).found).toEqual({ feature: 'a view', namespace: 'shop.v' });
    expect(unsupportedOption({ options: { validator: { a: 1 } } })).toBe('a schema validator');
  });

  it('gives up on hostile bytes without throwing, looping or reading out of bounds', async () => {
    // An 8-byte "document", a string whose length points backwards, a nested length past the end.
    const tiny = Buffer.from([8, 0, 0, 0, 0x02, 0x61, 0x00, 0x00]);
    const backwards = Buffer.from([16, 0, 0, 0, 0x02, 0x61, 0x00, 0xf9, 0xff, 0xff, 0xff, 0x61, 0x62, 0x63, 0x00, 0x00]);
    const nested = Buffer.from([13, 0, 0, 0, 0x03, 0x61, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00]);
    for (const bytes of [tiny, backwards, nested]) {
      expect(unsupportedType(bytes)).toBeUndefined();
      const { found, passed } = await scan(bytes, 'bson', 3);
      expect(found).toBeUndefined();
      expect(passed.equals(bytes)).toBe(true);
    }
    const negativeLength = Buffer.from([0xf0, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
    expect((await scan(negativeLength, 'bson')).passed.equals(negativeLength)).toBe(true);
  });
});

/**
 * Where a secret a hostile backup reached could end up besides the drill's records: its Temporal
 * history (every payload decoded with the project's codec, since they are stored encrypted) and
 * the test process's output (the in-process worker's log). Tests search these texts for canaries.
 */
import type { Client } from '@temporalio/client';
import { loadPayloadCodec } from '../../worker/payload-codec.js';

/** The drill's whole Temporal history as text, its encrypted payloads replaced by their plaintext. */
export async function decodedHistoryText(client: Client, drillId: string): Promise<string> {
  const history = await client.workflow.getHandle(drillId).fetchHistory();
  const codec = loadPayloadCodec();
  const decodeIn = async (value: unknown): Promise<unknown> => {
    if (Array.isArray(value)) return Promise.all(value.map(decodeIn));
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (!value || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    if (record.metadata && record.data instanceof Uint8Array) {
      const [plain] = await codec.decode([record as never]);
      return Buffer.from((plain as { data?: Uint8Array }).data ?? new Uint8Array()).toString('utf8');
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(record)) out[key] = await decodeIn(child);
    return out;
  };
  return JSON.stringify(await decodeIn(history));
}

/** Everything this process prints from now on (console and raw stdout/stderr), until `stop`. */
export function captureOutput(): { text: () => string; stop: () => void } {
  const chunks: string[] = [];
  const restore: Array<() => void> = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = original as typeof stream.write));
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      chunks.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      original.apply(console, args);
    };
    restore.push(() => (console[method] = original));
  }
  return { text: () => chunks.join('\n'), stop: () => restore.forEach((undo) => undo()) };
}

/** A generated benchmark dataset: its dump file and what is in it, cached next to the dump. */
import fs from 'node:fs';

export interface Dataset {
  path: string;
  tables: number;
  rows: number;
  databaseBytes: number;
}

/** The dataset cached at dumpPath (with its `.json` description), or undefined. */
export function cachedDataset(dumpPath: string): Dataset | undefined {
  const metaPath = `${dumpPath}.json`;
  if (!fs.existsSync(dumpPath) || !fs.existsSync(metaPath)) return undefined;
  return { path: dumpPath, ...JSON.parse(fs.readFileSync(metaPath, 'utf8')) } as Dataset;
}

export function saveDataset(dumpPath: string, meta: Omit<Dataset, 'path'>): Dataset {
  fs.writeFileSync(`${dumpPath}.json`, JSON.stringify(meta));
  return { path: dumpPath, ...meta };
}

export function log(message: string) {
  console.error(`bench: ${message}`);
}

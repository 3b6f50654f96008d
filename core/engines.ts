/** The database engines drills restore into, and the dump formats each one's tools write. */
export const ENGINES = ['postgres', 'mysql', 'mongodb'] as const;
export type Engine = (typeof ENGINES)[number];

export const DUMP_FORMATS = ['auto', 'custom', 'directory', 'tar', 'plain', 'archive'] as const;
export type DumpFormat = (typeof DUMP_FORMATS)[number];

/** Formats each engine's dump tools write; `auto` tells them apart by content. */
export const ENGINE_FORMATS: Record<Engine, readonly DumpFormat[]> = {
  postgres: ['auto', 'custom', 'directory', 'tar', 'plain'],
  mysql: ['auto', 'plain'],
  mongodb: ['auto', 'archive', 'directory'],
};

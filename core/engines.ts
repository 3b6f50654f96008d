/** The database engines drills restore into, and the dump formats each one's tools write. */
export const ENGINES = ['postgres', 'mysql', 'mongodb'] as const;
export type Engine = (typeof ENGINES)[number];

/** `basebackup`: pg_basebackup output (a physical copy of a PostgreSQL data directory). */
export const DUMP_FORMATS = ['auto', 'custom', 'directory', 'tar', 'plain', 'archive', 'basebackup'] as const;
export type DumpFormat = (typeof DUMP_FORMATS)[number];

/** Formats each engine's dump tools write; `auto` tells them apart by content. */
export const ENGINE_FORMATS: Record<Engine, readonly DumpFormat[]> = {
  postgres: ['auto', 'custom', 'directory', 'tar', 'plain', 'basebackup'],
  mysql: ['auto', 'plain'],
  mongodb: ['auto', 'archive', 'directory'],
};

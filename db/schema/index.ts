export * from './drills.js';
export * from './drill-steps.js';
export * from './drill-checks.js';
export * from './drill-tables.js';
export * from './vault-secrets.js';
export * from './vault-audit.js';

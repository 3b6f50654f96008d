// The worker bundles this file: every workflow type the task queue serves is exported here.
export { restoreDrill } from './restore-drill.js';

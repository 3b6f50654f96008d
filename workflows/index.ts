// The worker bundles this file: every workflow type the task queue serves is exported here.
export { restoreDrill } from './restore-drill.js';
export { notifyEvent } from './notify-event.js';
export { overdueWatchdog } from './overdue-watchdog.js';
export { weeklyDigest } from './weekly-digest.js';

#!/usr/bin/env node
// The `drill` command. The project runs its TypeScript through tsx, so the CLI needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');

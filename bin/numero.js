#!/usr/bin/env node
// numero's command line. The sources are TypeScript (and templates may be .tsx), run through tsx's
// loader so there is no build step between editing a template and using it.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

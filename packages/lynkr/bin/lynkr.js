#!/usr/bin/env node
// Committed shim so the bin link exists right after install, before the TypeScript build has run.
import('../dist/bin/lynkr.js')

#!/usr/bin/env node
// Committed shim so the bin link exists right after install, before the TypeScript build has run.
// Node 22.1+ keeps compiled module code in its on-disk cache (under the OS temp dir): later starts skip
// most of the parsing and compiling of the gateway's modules. Node 20 has no such cache.
import * as nodeModule from 'node:module'
nodeModule.enableCompileCache?.()
// Heap settings for a long-running gateway, before its modules load (dist/bin/heap-settings.js says which).
const { applyHeapFlags } = await import('../dist/bin/heap-settings.js')
applyHeapFlags()
await import('../dist/bin/lynkr.js')

#!/usr/bin/env node
// Regenerates config/lynkr.env.example from the built plugins' env schemas.
import { writeFileSync } from 'node:fs'
import { catalog, renderEnvExample } from '../packages/lynkr/dist/index.js'

writeFileSync(new URL('../config/lynkr.env.example', import.meta.url), await renderEnvExample(catalog))

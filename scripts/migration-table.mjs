#!/usr/bin/env node
// Regenerates the README's "Migrating from Lynkr" tables from packages/lynkr/src/migrate/lynkr-variables.ts.
import { readFileSync, writeFileSync } from 'node:fs'
import { withMigrationTable } from '../packages/lynkr/dist/migrate/migration-table.js'

const file = new URL('../README.md', import.meta.url)
writeFileSync(file, withMigrationTable(readFileSync(file, 'utf8')))

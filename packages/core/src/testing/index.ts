// Test helpers other packages' tests share (exported as @lynkr/core/testing).
export * from './event-invariants.ts'
export * from './streams.ts'
export * from './seeded-random.ts'
export * from './catalog.ts'

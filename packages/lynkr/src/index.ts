export { default } from './app.ts'
export type { LynkrAppOptions, LynkrGateway } from './app.ts'
export { buildServer, stripBasePath } from './server.ts'
export { catalog, tokenPhases } from './catalog.ts'
export { LynkrConfigError } from '@lynkr/core/gateway'
export { renderEnvExample } from './env-example.ts'
// The extension contract for embedders and plugin authors (docs/extending.md): steps, observers, middleware, gateway tools.
export * from './plugin-kit.ts'

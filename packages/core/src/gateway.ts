/**
 * What the `lynkr` package's public types need from core, without the `app.lynkr` augmentation that
 * `@lynkr/core` itself carries for plugins (see fastify-decorators.ts).
 */
export type { LynkrCore } from './lynkr-core.ts'
export type { Catalog, CatalogEntry, LynkrPluginModule } from './catalog.ts'
export { LynkrConfigError } from './config-error.ts'

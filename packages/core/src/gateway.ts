/**
 * What the `lynkr` package's public types need from core, without the `app.lynkr` augmentation that
 * `@lynkr/core` itself carries for plugins (see fastify-decorators.ts).
 */
export type { LynkrCore } from './lynkr-core.ts'
export type { Catalog, CatalogEntry, LynkrPluginModule } from './catalog.ts'
export type { ExtraPlugin } from './embedder-plugins.ts'
export { LynkrConfigError } from './config-error.ts'
// The extension contract for embedders: middleware around the chat service.
export type { ChatCall, InternalCall, StreamOutcome, MessageOutcome } from './chat.ts'
export type { StepCompletedEvent, TurnCompletedEvent } from './events.ts'
export type { AssembledMessage } from './stream/collect-message.ts'
export type { ChatMiddleware, StreamNext, CompleteNext } from './chat-middleware.ts'
export { replayMessage, collectMessage } from './stream/replay-message.ts'

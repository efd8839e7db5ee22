/**
 * What a plugin author needs, from one import (docs/extending.md): fastify-plugin to name the plugin,
 * the manifest helper with TypeBox for its env slice, and the contract's types.
 */
export { default as fp } from 'fastify-plugin'
export { Type, defineManifest, LynkrError, PIPELINE_STAGES, definedFields } from '@lynkr/protocol'
export { replayMessage, collectMessage } from '@lynkr/core/gateway'
export type {
  ChatRequest, ContentBlock, GatewayTool, GatewayToolContext, GatewayToolResult, LynkrManifest, MessageEvent,
  ModelCapabilities, PipelineStage, PipelineStep, PromptCacheKind, ProviderAdapter, RouteDecision, SessionIdentity,
  StepContext, StepReport, UpstreamPart, WorkspaceIdentity
} from '@lynkr/protocol'
export type {
  AssembledMessage, ChatCall, ChatMiddleware, CompleteNext, InternalCall, LynkrCore, LynkrPluginModule, MessageOutcome,
  StepCompletedEvent, StreamNext, StreamOutcome, TurnCompletedEvent
} from '@lynkr/core/gateway'

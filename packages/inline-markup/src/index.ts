export { InlineMarkupRecovery, inlineMarkupFor } from './inline-markup.ts'
export type { InlineMarkupOptions } from './inline-markup.ts'
export { LeadingThinkTags } from './leading-think.ts'

export { WebSearchAnswer, citedRanges, promptQuery } from './web-search-answer.ts'
export type { WebSearchAnswerOptions } from './web-search-answer.ts'

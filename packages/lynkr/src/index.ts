export { default } from './app.ts'
export type { LynkrAppOptions } from './app.ts'
export { buildServer, stripBasePath } from './server.ts'
export { catalog } from './catalog.ts'

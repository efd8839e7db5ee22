import { loadTokenizer, countRequestTokens } from '@lynkr/core'
let t = performance.now(); await loadTokenizer(); console.log('load ms', (performance.now() - t).toFixed(0))
t = performance.now(); const n = await countRequestTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hello world '.repeat(4000) }] }] }); console.log('count 48KB ms', (performance.now() - t).toFixed(0), n)
t = performance.now(); await countRequestTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'function foo(a, b) { return a + b }\n'.repeat(1500) }] }] }); console.log('count 54KB code ms', (performance.now() - t).toFixed(0))

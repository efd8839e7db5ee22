/**
 * The labelled routing set: Claude-Code-shaped requests (same system prompt, tool list and thinking on
 * every one; see claude-code-shape.ts) whose latest user turn and tool history vary. Labels say which tier
 * a person would send each to: greetings and one-line questions (SIMPLE), single-file edits (MEDIUM),
 * multi-file refactors and features with long tool histories (COMPLEX), architecture / debugging /
 * proof-style reasoning (REASONING).
 */
import type { ChatMessage, ChatRequest, ContentBlock } from '@lynkr/protocol'
import type { Tier } from '../score-complexity.ts'
import { CLAUDE_MD_REMINDER, SYSTEM_PROMPT, TOOLS } from './claude-code-shape.ts'

interface Step { tool: string, input: Record<string, unknown>, result: string, error?: boolean }

export interface LabelledCase { tier: Tier, name: string, request: ChatRequest }

const ROOT = '/home/dev/shop'
const lines = (n: number, what: string): string => Array.from({ length: n }, (_, i) => `${String(i + 1).padStart(5)}→${what} ${i}`).join('\n')

const read = (path: string, n = 80): Step => ({ tool: 'Read', input: { file_path: `${ROOT}/${path}` }, result: lines(n, `// ${path}`) })
const edit = (path: string): Step => ({ tool: 'Edit', input: { file_path: `${ROOT}/${path}`, old_string: 'old', new_string: 'new' }, result: `The file ${ROOT}/${path} has been updated.` })
const multiEdit = (path: string): Step => ({ tool: 'MultiEdit', input: { file_path: `${ROOT}/${path}`, edits: [{ old_string: 'a', new_string: 'b' }] }, result: `Applied 3 edits to ${ROOT}/${path}` })
const write = (path: string): Step => ({ tool: 'Write', input: { file_path: `${ROOT}/${path}`, content: '// new file\n' }, result: `File created successfully at: ${ROOT}/${path}` })
const grep = (pattern: string, files: string[]): Step => ({ tool: 'Grep', input: { pattern, output_mode: 'files_with_matches' }, result: `Found ${files.length} files\n${files.map((f) => `${ROOT}/${f}`).join('\n')}` })
const glob = (pattern: string, files: string[]): Step => ({ tool: 'Glob', input: { pattern }, result: files.map((f) => `${ROOT}/${f}`).join('\n') || 'No files found' })
const ls = (dir: string, entries: string[]): Step => ({ tool: 'LS', input: { path: `${ROOT}/${dir}` }, result: entries.map((e) => `- ${e}`).join('\n') })
const bash = (command: string, result: string, error = false): Step => ({ tool: 'Bash', input: { command, description: command.slice(0, 40) }, result, error })
const todo = (...items: string[]): Step => ({ tool: 'TodoWrite', input: { todos: items.map((content) => ({ content, status: 'pending', activeForm: content })) }, result: 'Todos have been modified successfully.' })

let counter = 0
function build (prompt: string, steps: Step[] = [], earlier: Array<[string, string]> = []): ChatRequest {
  const messages: ChatMessage[] = []
  // An earlier, finished exchange in the same session (only the latest task should matter).
  for (const [question, answer] of earlier) {
    messages.push({ role: 'user', content: [{ type: 'text', text: question }] })
    messages.push({ role: 'assistant', content: [{ type: 'text', text: answer }] })
  }
  const first: ContentBlock[] = messages.length === 0 ? [{ type: 'text', text: CLAUDE_MD_REMINDER }] : []
  first.push({ type: 'text', text: prompt })
  messages.push({ role: 'user', content: first })
  for (const step of steps) {
    const id = `toolu_${(++counter).toString(36).padStart(8, '0')}`
    messages.push({ role: 'assistant', content: [
      { type: 'thinking', thinking: `I should use ${step.tool} next.`, signature: 'sig' },
      { type: 'tool_use', id, name: step.tool, input: step.input }
    ] })
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: step.result, ...(step.error ? { is_error: true } : {}) }] })
  }
  return {
    model: 'claude-sonnet-4-5-20250929',
    clientModel: 'claude-sonnet-4-5-20250929',
    system: [
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
      { type: 'text', text: SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } }
    ],
    messages,
    tools: TOOLS,
    max_tokens: 32000,
    thinking: { type: 'enabled', budget_tokens: 31999 },
    stream: true
  }
}

const simple = (name: string, prompt: string, steps?: Step[], earlier?: Array<[string, string]>): LabelledCase => ({ tier: 'SIMPLE', name, request: build(prompt, steps, earlier) })
const medium = (name: string, prompt: string, steps?: Step[], earlier?: Array<[string, string]>): LabelledCase => ({ tier: 'MEDIUM', name, request: build(prompt, steps, earlier) })
const complex = (name: string, prompt: string, steps?: Step[], earlier?: Array<[string, string]>): LabelledCase => ({ tier: 'COMPLEX', name, request: build(prompt, steps, earlier) })
const reasoning = (name: string, prompt: string, steps?: Step[], earlier?: Array<[string, string]>): LabelledCase => ({ tier: 'REASONING', name, request: build(prompt, steps, earlier) })

const apiFiles = ['services/api/src/routes/users.ts', 'services/api/src/routes/orders.ts', 'services/api/src/routes/products.ts', 'services/api/src/routes/invoices.ts', 'services/api/src/routes/auth.ts', 'services/api/src/routes/teams.ts', 'services/api/src/routes/projects.ts']
const readEditAll = (files: string[]): Step[] => files.flatMap((f) => [read(f, 160), edit(f)])

export const routingSet: LabelledCase[] = [
  // SIMPLE: greetings, thanks, one-line questions, trivial commands.
  simple('greeting', 'hi'),
  simple('thanks', 'thanks, that worked!', [], [['fix the failing test in cart.test.ts', 'Fixed: the expected total now includes tax.']]),
  simple('ok', 'ok'),
  simple('good morning', 'good morning!'),
  simple('git concept', 'what does `git rebase -i` do?'),
  simple('node version', 'which node version does this project use?', [read('package.json', 40)]),
  simple('where configured', 'where is the database connection configured?', [grep('createPool', ['services/api/src/db/pool.ts']), read('services/api/src/db/pool.ts', 30)]),
  simple('let vs const', "what's the difference between let and const"),
  simple('run tests', 'how do I run the tests?', [read('package.json', 40)]),
  simple('list files', 'list the files in the src folder', [ls('apps/web/src', ['App.tsx', 'main.tsx', 'components/', 'pages/', 'styles/'])]),
  simple('dev port', 'what port does the dev server listen on?', [grep('listen\\(', ['services/api/src/server.ts']), read('services/api/src/server.ts', 60)]),
  simple('race condition definition', 'what is a race condition?'),
  simple('current branch', 'show me the current git branch', [bash('git branch --show-current', 'feature/checkout-v2')]),
  simple('license', 'does this repo have a license file?', [glob('LICENSE*', ['LICENSE'])]),
  simple('pnpm flag', 'what does the --frozen-lockfile flag mean for pnpm?'),
  simple('commit', "cool, commit that with the message 'docs: fix typo'", [bash('git status', 'modified: README.md'), bash('git commit -am "docs: fix typo"', '[main 3f2a1c9] docs: fix typo\n 1 file changed, 1 insertion(+), 1 deletion(-)')]),
  simple('tail log', 'print the last 20 lines of the server log', [bash('tail -n 20 logs/server.log', lines(20, 'INFO request completed'))]),

  // MEDIUM: single-file edits, small features, contained bug fixes.
  medium('typo', "Fix the typo in README.md: 'recieve' should be 'receive'", [read('README.md', 120), edit('README.md')]),
  medium('verbose flag', 'Add a --verbose flag to the CLI in src/cli.ts that sets the log level to debug', [read('src/cli.ts', 140), edit('src/cli.ts')]),
  medium('off by one', 'The function formatDate in src/utils/date.ts returns the wrong month (off by one). Can you fix it?', [read('src/utils/date.ts', 60), edit('src/utils/date.ts')]),
  medium('unit test', 'Write a unit test for the slugify function in src/lib/slugify.ts', [read('src/lib/slugify.ts', 30), write('src/lib/slugify.test.ts'), bash('pnpm test slugify', '✓ slugify (4 tests) 12ms')]),
  medium('rename variable', 'rename the variable `tmp` to `pendingRequests` in src/queue.ts', [read('src/queue.ts', 90), edit('src/queue.ts')]),
  medium('validation', 'Add input validation to the POST /users handler so that an empty email returns 400', [read('services/api/src/routes/users.ts', 200), edit('services/api/src/routes/users.ts')]),
  medium('async await', 'Convert this callback-based function to async/await:\n```js\nfunction readConfig(path, cb) {\n  fs.readFile(path, "utf8", (err, text) => {\n    if (err) return cb(err)\n    try { cb(null, JSON.parse(text)) } catch (e) { cb(e) }\n  })\n}\n```'),
  medium('dockerfile', 'Update the Dockerfile to use node:20-slim instead of node:18', [read('Dockerfile', 30), edit('Dockerfile')]),
  medium('lint error', "The lint job fails with 'no-unused-vars' in src/api/client.ts, please fix it", [bash('pnpm lint', "src/api/client.ts\n  12:7  error  'retries' is assigned a value but never used  no-unused-vars", true), read('src/api/client.ts', 80), edit('src/api/client.ts'), bash('pnpm lint', 'No problems found')]),
  medium('docstrings', 'Add a docstring to every public function in utils/strings.py', [read('utils/strings.py', 150), multiEdit('utils/strings.py')]),
  medium('configurable retries', 'Make the retry count in src/http/fetch-with-retry.ts configurable through an option, default 3', [read('src/http/fetch-with-retry.ts', 70), edit('src/http/fetch-with-retry.ts')]),
  medium('backup script', 'Write a bash script that backs up the postgres database to S3 every night'),
  medium('button color', 'Change the button color on the login page to our brand blue #1d4ed8', [grep('LoginButton', ['apps/web/src/components/LoginButton.tsx']), read('apps/web/src/components/LoginButton.tsx', 50), edit('apps/web/src/components/LoginButton.tsx')]),
  medium('gitignore coverage', 'Add a .gitignore entry for the coverage folder and remove coverage/ from git', [read('.gitignore', 20), edit('.gitignore'), bash('git rm -r --cached coverage', "rm 'coverage/index.html'")]),
  medium('implement palindrome', "Implement the `isPalindrome` function in src/exercises.ts, it currently throws 'not implemented'", [read('src/exercises.ts', 40), edit('src/exercises.ts'), bash('pnpm test exercises', '✓ exercises (6 tests)')]),
  medium('sort imports', 'Sort the imports in src/index.ts and remove the unused ones', [read('src/index.ts', 60), edit('src/index.ts')]),

  // COMPLEX: multi-file refactors and features, usually with long tool histories.
  complex('token service refactor', 'Refactor the authentication module to use the new TokenService instead of calling jwt directly, and update every route handler and test that depends on it', [
    todo('find jwt usages', 'switch handlers', 'update tests'), grep('jwt\\.', apiFiles), ...readEditAll(apiFiles.slice(0, 5)),
    bash('pnpm test', '2 failed, 41 passed\n  ✗ auth.test.ts > refresh issues a new token', true), read('services/api/test/auth.test.ts', 200), edit('services/api/test/auth.test.ts'), bash('pnpm test', '43 passed')
  ]),
  complex('esm migration', 'Migrate the whole project from CommonJS require() to ES modules', [
    grep('require\\(', ['src/index.js', 'src/cli.js', 'src/config.js', 'src/db.js', 'src/server.js', 'src/jobs.js']), read('package.json'), edit('package.json'),
    ...readEditAll(['src/index.js', 'src/cli.js', 'src/config.js', 'src/db.js', 'src/server.js', 'src/jobs.js']), bash('node src/index.js --help', 'SyntaxError: Cannot use import statement outside a module', true), edit('package.json')
  ]),
  complex('pagination', 'Add pagination to all list endpoints (users, orders, products, invoices) with cursor-based pagination and update the API docs', [
    todo('design cursor', 'users', 'orders', 'products', 'invoices', 'docs'), ...readEditAll(apiFiles.slice(0, 4)), write('services/api/src/lib/cursor.ts'), read('docs/api.md', 300), edit('docs/api.md')
  ]),
  complex('split server', 'Split the 2000-line src/server.ts into separate modules for routes, middleware and config, keeping behaviour identical', [
    read('src/server.ts', 2000), write('src/routes/index.ts'), write('src/middleware/index.ts'), write('src/config.ts'), edit('src/server.ts'), bash('pnpm typecheck', "src/routes/index.ts(14,3): error TS2304: Cannot find name 'db'.", true), edit('src/routes/index.ts'), bash('pnpm test', '88 passed')
  ]),
  complex('dark mode', 'Implement dark mode across the app: add a theme context, a toggle in the settings page, and update the components that hardcode colors', [
    grep('#fff|#000|color:', ['apps/web/src/components/Header.tsx', 'apps/web/src/components/Card.tsx', 'apps/web/src/components/Modal.tsx', 'apps/web/src/pages/Settings.tsx']),
    write('apps/web/src/theme/ThemeContext.tsx'), ...readEditAll(['apps/web/src/components/Header.tsx', 'apps/web/src/components/Card.tsx', 'apps/web/src/components/Modal.tsx', 'apps/web/src/pages/Settings.tsx'])
  ]),
  complex('moment to date-fns', 'Replace moment.js with date-fns everywhere in the codebase', [
    grep("from 'moment'", ['src/utils/date.ts', 'src/pages/Orders.tsx', 'src/pages/Invoices.tsx', 'src/components/DatePicker.tsx', 'src/reports/monthly.ts']),
    ...readEditAll(['src/utils/date.ts', 'src/pages/Orders.tsx', 'src/pages/Invoices.tsx', 'src/components/DatePicker.tsx', 'src/reports/monthly.ts']), bash('pnpm remove moment && pnpm add date-fns', 'Done')
  ]),
  complex('e2e tests', 'Add end-to-end tests with Playwright for the signup, login and checkout flows, and wire them into CI', [
    bash('pnpm add -D @playwright/test', 'Done'), write('e2e/signup.spec.ts'), write('e2e/login.spec.ts'), write('e2e/checkout.spec.ts'), write('playwright.config.ts'), read('.github/workflows/ci.yml', 80), edit('.github/workflows/ci.yml'),
    bash('pnpm exec playwright test', '1 failed: checkout.spec.ts › pays with saved card', true), edit('e2e/checkout.spec.ts')
  ]),
  complex('rename model', 'Rename the `Customer` model to `Account` throughout the codebase, including the database migration, API types and frontend', [
    grep('Customer', ['services/api/src/models/customer.ts', 'services/api/src/routes/customers.ts', 'packages/types/src/customer.ts', 'apps/web/src/pages/Customers.tsx', 'apps/web/src/api/customers.ts']),
    write('services/api/migrations/0042_rename_customer.ts'), ...readEditAll(['services/api/src/models/customer.ts', 'services/api/src/routes/customers.ts', 'packages/types/src/customer.ts', 'apps/web/src/pages/Customers.tsx'])
  ]),
  complex('express to fastify', 'Convert the Express app to Fastify: routes, middleware, error handling and tests'),
  complex('i18n', 'Add i18n support: extract all user-facing strings in src/components into locale files and load them with react-intl', [
    glob('src/components/**/*.tsx', ['src/components/Header.tsx', 'src/components/Footer.tsx', 'src/components/Cart.tsx', 'src/components/Checkout.tsx']), write('src/locales/en.json'),
    ...readEditAll(['src/components/Header.tsx', 'src/components/Footer.tsx', 'src/components/Cart.tsx', 'src/components/Checkout.tsx'])
  ]),
  complex('shared validator (mid tool loop)', 'Extract the duplicated validation logic in the three controllers (users, teams, projects) into a shared validator module and use it everywhere', [
    read(apiFiles[0]!, 220), read(apiFiles[5]!, 180), read(apiFiles[6]!, 190), write('services/api/src/lib/validate.ts'), edit(apiFiles[0]!), edit(apiFiles[5]!), edit(apiFiles[6]!),
    bash('pnpm typecheck', "services/api/src/routes/teams.ts(40,11): error TS2345: Argument of type 'string | undefined' is not assignable", true), read(apiFiles[5]!, 60)
  ]),
  complex('react 18 upgrade', 'Upgrade the project from React 17 to React 18: update dependencies, replace ReactDOM.render with createRoot, and fix the type errors', [
    read('apps/web/package.json'), edit('apps/web/package.json'), bash('pnpm install', 'Done'), read('apps/web/src/main.tsx', 30), edit('apps/web/src/main.tsx'),
    bash('pnpm typecheck', lines(40, "error TS2322: Type '{ children: Element; }' has no properties in common"), true), read('apps/web/src/components/Layout.tsx'), edit('apps/web/src/components/Layout.tsx'), read('apps/web/src/components/Modal.tsx'), edit('apps/web/src/components/Modal.tsx')
  ]),
  complex('plugin system', 'Implement a plugin system for the CLI so commands can be loaded from ./plugins, with a registry, a loader, and docs for plugin authors'),
  complex('rate limiting', 'We need rate limiting on the public API. Add a Redis-backed limiter middleware and its configuration, apply it to all /api routes, and write tests for it.'),
  complex('typed config', 'Move all the environment variable reads into a single typed config module and replace process.env usages across src/', [
    grep('process\\.env', ['src/db.ts', 'src/server.ts', 'src/mailer.ts', 'src/jobs/worker.ts', 'src/payments/stripe.ts', 'src/auth/session.ts']), write('src/config.ts'),
    ...readEditAll(['src/db.ts', 'src/server.ts', 'src/mailer.ts', 'src/jobs/worker.ts', 'src/payments/stripe.ts'])
  ]),
  complex('opentelemetry', 'Add OpenTelemetry tracing to the HTTP server, the database layer and the queue workers', [
    bash('pnpm add @opentelemetry/sdk-node @opentelemetry/auto-instrumentations-node', 'Done'), write('src/telemetry.ts'), ...readEditAll(['src/server.ts', 'src/db.ts', 'src/jobs/worker.ts'])
  ]),

  // REASONING: architecture, hard debugging, proofs, trade-off analysis.
  reasoning('deadlock', 'Why does the worker pool deadlock when two jobs share the same lock? Here is the stack dump:\n```\ngoroutine 18 [semacquire]:\nsync.(*Mutex).Lock(...)\n\tpool/worker.go:88\ngoroutine 22 [semacquire]:\nsync.(*Mutex).Lock(...)\n\tpool/jobs.go:41\n```\nThink hard about the lock ordering.'),
  reasoning('multi-region architecture', 'ultrathink: design the architecture for multi-region active-active replication of our order service. Compare the consistency models and their trade-offs, and recommend one.'),
  reasoning('merge proof', 'Prove that our merge function in src/lsm/compact.ts preserves the sorted-key invariant, and identify any edge case where it could break it.', [read('src/lsm/compact.ts', 180)]),
  reasoning('intermittent double charge', "We have an intermittent race condition: about 1 in 200 CI runs the test 'settles payments exactly once' fails with a duplicate charge. Find the root cause.", [
    grep('settle', ['src/payments/settle.ts', 'src/payments/queue.ts', 'src/jobs/worker.ts']), read('src/payments/settle.ts', 240), read('src/payments/queue.ts', 160),
    bash('for i in $(seq 50); do pnpm test settle || break; done', 'AssertionError: expected 1 charge, got 2', true), read('src/jobs/worker.ts', 200), bash('git log -p -5 src/payments/queue.ts', lines(120, '+  await ack(job)'))
  ]),
  reasoning('complexity analysis', 'Analyze the time complexity of the scheduling algorithm in scheduler.py and find whether an O(n log n) solution exists. Explain why.', [read('scheduler.py', 140)]),
  reasoning('latency regression', "Our p99 latency jumped from 80ms to 900ms after last week's deploy. Investigate the root cause using the flame graph and the diff between v2.3 and v2.4.", [
    bash('git diff v2.3 v2.4 --stat', lines(30, ' src/... | 12 +++---')), read('profiles/flamegraph-v2.4.txt', 400), grep('await', ['src/db/pool.ts', 'src/cache/redis.ts'])
  ]),
  reasoning('redlock safety', 'Think step by step: is our distributed lock implementation (Redlock over 3 Redis nodes) safe under clock drift and GC pauses? What failure modes exist and how would you fix them?'),
  reasoning('clickhouse migration design', 'Design a schema and migration strategy to move 2TB of user events from Postgres to ClickHouse with zero downtime; weigh the trade-offs of dual writes vs CDC.'),
  reasoning('memory leak', "There's a memory leak in the websocket gateway: RSS grows ~50MB/hour under steady load. Here's the heap snapshot summary:\n```\n(closure) x 1,204,331  412 MB retained\nSubscription x 602,118 retained by EventEmitter listeners\n```\nFind the root cause and explain why it leaks.", [read('src/ws/gateway.ts', 300), grep('\\.on\\(', ['src/ws/gateway.ts', 'src/ws/subscriptions.ts'])]),
  reasoning('oauth security review', "Review the security of our OAuth2 PKCE implementation and explain which attacks it is and isn't resistant to, step by step. Think hard.", [read('src/auth/pkce.ts', 150)]),
  reasoning('recursive type', "Why does this recursive type cause 'Type instantiation is excessively deep and possibly infinite'? Explain the type-level mechanics and propose a formulation that terminates, with a proof sketch that it does.\n```ts\ntype Paths<T> = T extends object ? { [K in keyof T]: [K, ...Paths<T[K]>] }[keyof T] : []\n```"),
  reasoning('backoff derivation', 'Derive the correct backoff formula so that N clients retrying against a rate-limited API converge without synchronized bursts, and prove it avoids a thundering herd.'),
  reasoning('stale cache (mid tool loop)', 'The cache invalidation sometimes serves stale prices after an update. Figure out the root cause — I suspect an ordering issue between the write-through and the pub/sub invalidation.', [
    grep('invalidate', ['src/cache/prices.ts', 'src/cache/pubsub.ts', 'src/services/pricing.ts']), read('src/cache/prices.ts', 220), read('src/cache/pubsub.ts', 140), read('src/services/pricing.ts', 260),
    bash('pnpm test cache -- --repeat 100', "1 of 100 failed: expected price 12.50, got 11.00", true), bash('git log -3 --format=%s src/cache', 'cache: publish invalidation before commit\ncache: batch writes\ninit')
  ]),
  reasoning('monolith split', 'Evaluate whether we should split the monolith into services. Consider team structure, deployment coupling, data ownership and the consistency trade-offs; give a recommendation with your reasoning.'),
  reasoning('lock-free queue', "Explain why this lock-free queue is not linearizable and give a concrete interleaving that breaks it:\n```c\nvoid enqueue(queue *q, node *n) {\n  node *tail = q->tail;\n  tail->next = n;\n  q->tail = n;\n}\n```"),
  reasoning('raft safety', 'The Raft implementation loses committed entries after a leader change in our chaos test. Walk through the protocol and find which safety property our code violates.', [
    read('raft/log.go', 400), read('raft/election.go', 300), grep('commitIndex', ['raft/log.go', 'raft/replication.go']), read('raft/replication.go', 350), bash('go test ./raft -run TestChaos -count 20', '--- FAIL: TestChaos (entry 412 committed then lost)', true)
  ]),

  // Written after the weights were set, and kept whatever they score (a check against over-fitting).
  simple('regex question', 'can you explain what this regex does: ^\\d{3}-\\d{4}$'),
  simple('cron timezone', 'what time zone does the cron job use?', [read('services/api/src/jobs/cron.ts', 40)]),
  medium('spinner', 'Add a loading spinner to the SaveButton component while the request is in flight', [read('apps/web/src/components/SaveButton.tsx', 60), edit('apps/web/src/components/SaveButton.tsx')]),
  medium('bump lodash', 'bump lodash to 4.17.21 and rerun the tests', [read('package.json', 40), edit('package.json'), bash('pnpm install && pnpm test', '112 passed')]),
  complex('multi-tenant', 'Add multi-tenant support: every query in the repository layer needs a tenant_id filter, and the API must read the tenant from the JWT', [
    grep('db\\.selectFrom', ['services/api/src/repos/users.ts', 'services/api/src/repos/orders.ts', 'services/api/src/repos/products.ts']), ...readEditAll(['services/api/src/repos/users.ts', 'services/api/src/repos/orders.ts', 'services/api/src/repos/products.ts']), read('services/api/src/auth/jwt.ts'), edit('services/api/src/auth/jwt.ts')
  ]),
  complex('monorepo setup', 'Set up a monorepo with pnpm workspaces and move the api and web apps into it'),
  reasoning('kafka duplicates', "Our Kafka consumers sometimes process the same message twice after a rebalance. Explain why exactly-once isn't holding and what guarantees we actually have."),
  reasoning('optimistic locking', 'Is it safe to use optimistic locking here, or can two concurrent checkouts oversell the last item? Reason about the isolation level.', [read('services/api/src/checkout/reserve.ts', 120)])
]

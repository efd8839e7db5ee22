/**
 * A labelled evaluation set: synthetic multi-session conversations in a few workspaces. Each user turn lists
 * the facts a good memory keeps from it (as a pattern the stored memory must match); chit-chat turns list
 * none and must store nothing. Questions asked in later sessions name the memory that should come back.
 */
export interface Turn {
  text: string
  /** Patterns of the memories this turn should produce ([] = nothing worth keeping). */
  facts: RegExp[]
  chitChat?: boolean
}

export interface Session { workspace: string, turns: Turn[] }

export interface Question {
  workspace: string
  text: string
  /** The memory that must be in the top 5. */
  expect: RegExp
  /** A superseded memory that must not come back. */
  stale?: RegExp
}

const API = '/home/dev/billing-api'
const WEB = '/home/dev/storefront'
const CLI = '/home/dev/deploy-cli'
const ML = '/home/dev/forecast-ml'
const PAY = '/home/dev/payments'

export const sessions: Session[] = [
  {
    workspace: API,
    turns: [
      { text: 'Hi there!', facts: [], chitChat: true },
      { text: 'This app uses PostgreSQL 15 for the invoices and Redis for the job queue.', facts: [/PostgreSQL 15/, /Redis for the job queue/] },
      { text: 'In this project we use pnpm, never npm.', facts: [/pnpm, never npm/] },
      { text: 'Can you look at why the invoice totals are off by a cent?', facts: [] },
      { text: 'Thanks, that works.', facts: [], chitChat: true },
      { text: 'We decided to round money with banker\'s rounding in src/money/round.ts.', facts: [/banker's rounding/] },
      { text: 'ok', facts: [], chitChat: true }
    ]
  },
  {
    workspace: WEB,
    turns: [
      { text: 'Hello! Let\'s get started.', facts: [], chitChat: true },
      { text: 'The frontend is built with React 19 and Vite.', facts: [/React 19/] },
      { text: 'I prefer functional components with hooks over class components.', facts: [/functional components/] },
      { text: 'Please fix the layout bug on the checkout page.', facts: [] },
      { text: 'Great, thanks!', facts: [], chitChat: true },
      { text: 'Our CSS lives in src/styles and we use Tailwind for utility classes.', facts: [/Tailwind/] },
      { text: 'The product images are served from the CDN at cdn.storefront.example.', facts: [/cdn\.storefront\.example/] }
    ]
  },
  {
    workspace: CLI,
    turns: [
      { text: 'hey', facts: [], chitChat: true },
      { text: 'This CLI is written in Go 1.22 and ships as a single static binary.', facts: [/Go 1\.22/] },
      { text: 'We deploy to Kubernetes through Argo CD.', facts: [/Argo CD/] },
      { text: 'Sounds good.', facts: [], chitChat: true },
      { text: 'Always run golangci-lint before committing.', facts: [/golangci-lint/] },
      { text: 'What does the --dry-run flag do right now?', facts: [] },
      { text: 'The config loader is in internal/config/load.go.', facts: [/internal\/config\/load\.go/] }
    ]
  },
  {
    workspace: ML,
    turns: [
      { text: 'Good morning', facts: [], chitChat: true },
      { text: 'This project trains the forecasting models with PyTorch 2.3 on a single A100.', facts: [/PyTorch 2\.3/] },
      { text: 'I like to keep notebooks out of the repo; experiments go in experiments/*.py scripts instead.', facts: [/notebooks out of the repo/] },
      { text: 'We store the training data in S3 under s3://forecast-data/raw.', facts: [/s3:\/\/forecast-data\/raw/] },
      { text: 'Got it, thanks a lot.', facts: [], chitChat: true },
      { text: 'Remember that the holiday features must be recomputed every January.', facts: [/holiday features/] }
    ]
  },
  // Written after the extractor, as a check on it (then kept): other phrasings, more chit-chat.
  {
    workspace: PAY,
    turns: [
      { text: 'Our backend talks to Stripe through a thin wrapper in lib/payments.', facts: [/Stripe/] },
      { text: 'Nice work!', facts: [], chitChat: true },
      { text: 'We are going with GraphQL for the public API.', facts: [/GraphQL/] },
      { text: 'The staging database gets wiped every night at 2am.', facts: [/wiped every night/] },
      { text: 'Use tabs, not spaces, in this repo.', facts: [/tabs, not spaces/] },
      { text: 'Alright, let\'s continue.', facts: [], chitChat: true },
      { text: 'That did not work, the test still fails.', facts: [] },
      { text: 'Docs are generated with TypeDoc into docs/api.', facts: [/TypeDoc/] },
      { text: 'Our team deploys on Fridays only after 10am.', facts: [/Fridays/] },
      { text: 'Looks good to me, merge it.', facts: [], chitChat: true },
      { text: 'Make sure to never commit the .env file.', facts: [/\.env file/] }
    ]
  },
  // Later sessions: repeats (nothing new), superseding facts, more preferences.
  {
    workspace: API,
    turns: [
      { text: 'Hey, back again.', facts: [], chitChat: true },
      { text: 'In this project we use pnpm, never npm.', facts: [] },
      { text: 'We switched from Redis to RabbitMQ for the job queue last week.', facts: [/RabbitMQ/] },
      { text: 'The API listens on port 8080 behind nginx.', facts: [/port 8080/] },
      { text: 'Perfect.', facts: [], chitChat: true },
      { text: 'I prefer small pull requests, under 300 lines.', facts: [/small pull requests/] }
    ]
  },
  {
    workspace: WEB,
    turns: [
      { text: 'yes', facts: [], chitChat: true },
      { text: 'We decided to use Zustand for state management instead of Redux.', facts: [/Zustand/] },
      { text: 'The frontend is built with React 19 and Vite.', facts: [] },
      { text: 'Could you add a test for the cart total?', facts: [] },
      { text: 'Tests use Vitest with Testing Library.', facts: [/Vitest/] },
      { text: 'lgtm', facts: [], chitChat: true }
    ]
  },
  {
    workspace: CLI,
    turns: [
      { text: 'Thank you!', facts: [], chitChat: true },
      { text: 'We moved from Argo CD to Flux for deployments.', facts: [/Flux/] },
      { text: 'Never print secrets in the --verbose output!', facts: [/secrets/] },
      { text: 'Release builds are signed with cosign in the CI pipeline.', facts: [/cosign/] }
    ]
  },
  {
    workspace: ML,
    turns: [
      { text: 'Cool.', facts: [], chitChat: true },
      { text: 'Actually we now train on two H100s instead of the A100.', facts: [/H100/] },
      { text: 'The evaluation metric we report is MAPE, not RMSE.', facts: [/MAPE/] },
      { text: 'Makes sense.', facts: [], chitChat: true }
    ]
  }
]

export const questions: Question[] = [
  { workspace: API, text: 'Which database stores the invoices?', expect: /PostgreSQL/ },
  { workspace: API, text: 'Install the dependencies and run the tests', expect: /pnpm/ },
  { workspace: API, text: 'How should money be rounded?', expect: /banker's rounding/ },
  { workspace: API, text: 'What do we use for the job queue?', expect: /RabbitMQ/, stale: /Redis for the job queue/ },
  { workspace: API, text: 'Which port does the API listen on?', expect: /port 8080/ },
  { workspace: API, text: 'How big should my pull requests be?', expect: /small pull requests/ },
  { workspace: WEB, text: 'Write a new component for the product card', expect: /functional components/ },
  { workspace: WEB, text: 'Which state management library do we use?', expect: /Zustand/ },
  { workspace: WEB, text: 'Where do the styles live and what CSS framework?', expect: /Tailwind/ },
  { workspace: WEB, text: 'Which test runner should the cart tests use?', expect: /Vitest/ },
  { workspace: WEB, text: 'Where are product images served from?', expect: /cdn\.storefront/ },
  { workspace: WEB, text: 'What version of React is the frontend on?', expect: /React 19/ },
  { workspace: CLI, text: 'How do we deploy the CLI service to the cluster?', expect: /Flux/, stale: /through Argo CD/ },
  { workspace: CLI, text: 'What should I run before committing?', expect: /golangci-lint/ },
  { workspace: CLI, text: 'Where is the config loader?', expect: /load\.go/ },
  { workspace: CLI, text: 'Add more detail to the verbose output', expect: /secrets/ },
  { workspace: CLI, text: 'How are release builds signed?', expect: /cosign/ },
  { workspace: CLI, text: 'Which Go version does the CLI use?', expect: /Go 1\.22/ },
  { workspace: ML, text: 'What GPUs do we train on?', expect: /H100/, stale: /single A100/ },
  { workspace: ML, text: 'Where is the raw training data?', expect: /s3:\/\/forecast-data/ },
  { workspace: ML, text: 'Which metric do we report for evaluation?', expect: /MAPE/ },
  { workspace: ML, text: 'Set up a notebook for the new experiment', expect: /notebooks/ },
  { workspace: ML, text: 'Anything special about the holiday features?', expect: /holiday features/ },
  { workspace: PAY, text: 'When is the staging database reset?', expect: /wiped every night/ },
  { workspace: PAY, text: 'Which payment provider does the backend call?', expect: /Stripe/ },
  { workspace: PAY, text: 'How are the API docs generated?', expect: /TypeDoc/ },
  // A personal preference stated in one project follows the user to another.
  { workspace: CLI, text: 'Open a pull request with these changes', expect: /small pull requests/ }
]

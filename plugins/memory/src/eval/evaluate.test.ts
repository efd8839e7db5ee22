import { test } from 'node:test'
import assert from 'node:assert/strict'
import { evaluate } from './evaluate.ts'

// The targets for the built-in extractor on the labelled conversations (conversations.ts).
test('memory quality: precision ≥ 0.8, recall ≥ 0.8, recall@5 ≥ 0.9, no chit-chat stored, no superseded fact recalled', async () => {
  const report = await evaluate()
  assert.deepEqual(report.chitChatStored, [])
  assert.deepEqual(report.stale, [], 'a superseded fact came back')
  assert.ok(report.precision >= 0.8, `precision ${report.precision.toFixed(2)}; stored without a label: ${report.wrong.join(' | ')}`)
  assert.ok(report.recall >= 0.8, `recall ${report.recall.toFixed(2)} (${report.found}/${report.labelled})`)
  assert.ok(report.recallAt5 >= 0.9, `recall@5 ${report.recallAt5.toFixed(2)}; missed: ${report.misses.join('\n')}`)
})

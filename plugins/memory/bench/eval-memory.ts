// `pnpm eval:memory`: prints the memory-quality evaluation (the test evaluate.test.ts asserts its targets).
import { evaluate } from '../src/eval/evaluate.ts'

const threshold = process.env.MEMORY_SURPRISE_THRESHOLD === undefined ? undefined : Number(process.env.MEMORY_SURPRISE_THRESHOLD)
const report = await evaluate(threshold === undefined ? {} : { surpriseThreshold: threshold })
const pct = (value: number): string => `${(value * 100).toFixed(1)} %`
console.log(`extraction precision ${pct(report.precision)} (${report.correct}/${report.stored} stored memories match a labelled fact)  target ≥ 80 %`)
console.log(`extraction recall    ${pct(report.recall)} (${report.found}/${report.labelled} labelled facts stored)  target ≥ 80 %`)
console.log(`recall@5             ${pct(report.recallAt5)}  target ≥ 90 %`)
console.log(`chit-chat stored     ${report.chitChatStored.length}  target 0`)
console.log(`superseded recalled  ${report.stale.length}  target 0`)
for (const line of report.wrong) console.log(`  unlabelled memory: ${line}`)
for (const line of report.notFound) console.log(`  not extracted: ${line}`)
for (const line of report.misses) console.log(`  missed: ${line}`)

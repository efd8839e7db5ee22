import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FilePolicy } from './files.ts'
import { PolicyError } from './policy-error.ts'

const base = realpathSync(mkdtempSync(join(tmpdir(), 'lynkr-files-')))
const root = join(base, 'ws')
const outside = join(base, 'outside')

async function refusedBy (promise: Promise<unknown>, policy: string): Promise<string> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof PolicyError, String(error))
    assert.equal(error.policy, policy, error.message)
    return error.message
  }
  assert.fail(`not refused (expected ${policy})`)
}

describe('FilePolicy: confinement to the workspace', () => {
  before(() => {
    mkdirSync(join(root, 'src', 'deep'), { recursive: true })
    mkdirSync(outside, { recursive: true })
    writeFileSync(join(root, 'src', 'a.ts'), 'a')
    writeFileSync(join(root, '.env'), 'KEY=1')
    writeFileSync(join(root, 'src', 'server.pem'), 'pem')
    writeFileSync(join(outside, 'secret.txt'), 'secret')
    symlinkSync('/etc', join(root, 'etc-link'))
    symlinkSync(join(outside, 'secret.txt'), join(root, 'secret-link'))
    symlinkSync(outside, join(root, 'src', 'outside-dir'))
    symlinkSync('../a.ts', join(root, 'src', 'deep', 'inner-link'))
    symlinkSync('/etc/lynkr-not-there', join(root, 'dangling'))
    symlinkSync('..', join(root, 'src', 'deep', 'up'))
  })
  after(() => { rmSync(base, { recursive: true, force: true }) })

  test('paths inside resolve to their real path; a symlink that stays inside is followed', async () => {
    const policy = new FilePolicy({ root })
    assert.deepEqual(await policy.resolve('src/a.ts'), { real: join(root, 'src', 'a.ts'), relative: 'src/a.ts' })
    assert.deepEqual(await policy.resolve(join(root, 'src', 'a.ts')), { real: join(root, 'src', 'a.ts'), relative: 'src/a.ts' }, 'an absolute path inside')
    assert.equal((await policy.resolve('src/deep/inner-link')).relative, 'src/a.ts')
    assert.equal((await policy.resolve('src/deep/../a.ts')).relative, 'src/a.ts')
    assert.equal((await policy.resolve('.')).relative, '.')
    // `..` is removed before symlinks are resolved, and the real path is what gets opened: never the kernel's reading of the raw path.
    assert.equal((await policy.resolve('src/deep/up/../..')).relative, 'src')
    assert.equal((await policy.resolve('src/deep/up')).relative, 'src')
    assert.equal((await policy.resolve('src/new/file.txt')).relative, 'src/new/file.txt', 'a file that does not exist yet')
  })

  test('zero escapes: .., absolute paths, symlinks to /etc and outside, a symlinked parent, new files under them', async () => {
    const policy = new FilePolicy({ root })
    for (const path of ['../../etc/passwd', '..', '../outside/secret.txt', 'src/../../outside/secret.txt', '/etc/passwd', outside, join(outside, 'secret.txt'), '/', `${root}-sibling/x`, 'src/deep/../../../outside']) {
      await refusedBy(policy.resolve(path), 'WORKSPACE_ROOT').catch((error) => { throw new Error(`${path}: ${error.message}`) })
    }
    for (const path of ['etc-link', 'etc-link/passwd', 'secret-link', 'src/outside-dir', 'src/outside-dir/secret.txt', 'src/outside-dir/new-file.txt', 'etc-link/new/deeper.txt', 'dangling', 'dangling/x']) {
      const message = await refusedBy(policy.resolve(path), 'WORKSPACE_ROOT').catch((error) => { throw new Error(`${path}: ${error.message}`) })
      assert.match(message, /outside the workspace/)
    }
    await refusedBy(policy.resolve('src/a.ts\0.txt'), 'WORKSPACE_ROOT')
  })

  test('blocked paths (secrets by default) and Lynkr\'s /.env style', async () => {
    const policy = new FilePolicy({ root })
    await refusedBy(policy.resolve('.env'), 'POLICY_FILE_BLOCKED_PATHS')
    await refusedBy(policy.resolve('src/server.pem'), 'POLICY_FILE_BLOCKED_PATHS')
    const lynkr = new FilePolicy({ root, blockedPaths: ['/.env', 'src/deep'] })
    await refusedBy(lynkr.resolve('.env'), 'POLICY_FILE_BLOCKED_PATHS')
    await refusedBy(lynkr.resolve('src/deep/x'), 'POLICY_FILE_BLOCKED_PATHS')
    assert.equal((await lynkr.resolve('src/server.pem')).relative, 'src/server.pem', 'a list that is set replaces the defaults')
  })

  test('allowed paths: only matching paths (and the root) pass', async () => {
    const policy = new FilePolicy({ root, allowedPaths: ['src/**'] })
    assert.equal((await policy.resolve('src/a.ts')).relative, 'src/a.ts')
    assert.equal((await policy.resolve('src')).relative, 'src')
    await refusedBy(policy.resolve('README.md'), 'POLICY_FILE_ALLOWED_PATHS')
  })

  test('openFile checks what was opened: a final symlink is not followed, a symlink swapped in is refused', async () => {
    const policy = new FilePolicy({ root })
    const { handle, path } = await policy.openFile('src/a.ts')
    assert.equal(await handle.readFile('utf8'), 'a')
    await handle.close()
    assert.equal(path.relative, 'src/a.ts')
    // The time-of-check/time-of-use race, made deterministic: the check passed for a file that is then replaced by a link.
    const racy = join(root, 'racy.txt')
    writeFileSync(racy, 'fine')
    const checked = await policy.resolve('racy.txt')
    unlinkSync(racy)
    symlinkSync(join(outside, 'secret.txt'), racy)
    const swapped = Object.create(policy) as FilePolicy
    swapped.resolve = async () => checked
    await assert.rejects(swapped.openFile('racy.txt'), (error: NodeJS.ErrnoException) => error.code === 'ELOOP')
  })
})

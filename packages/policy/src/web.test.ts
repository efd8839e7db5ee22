import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { WebPolicy } from './web.ts'
import { PolicyError } from './policy-error.ts'

const refusedBy = (fn: () => unknown, policy: string): void => {
  assert.throws(fn, (error: unknown) => error instanceof PolicyError && error.policy === policy, `expected ${policy}`)
}

describe('web policy', () => {
  test('every non-public address is refused by the SSRF guard, public ones pass', () => {
    const policy = new WebPolicy()
    const refused = ['127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.0.10', '169.254.169.254', '169.254.0.1', '100.64.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::ffff:10.0.0.1', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1']
    for (const address of refused) refusedBy(() => policy.checkAddress(address, 'example.com'), 'the SSRF guard')
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946', '172.32.0.1', '::ffff:8.8.8.8']) policy.checkAddress(address, 'example.com')
  })

  test('addresses written as the host are refused before any DNS, in every spelling', () => {
    const policy = new WebPolicy()
    for (const url of ['http://127.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:8080/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:a9fe:a9fe]/', 'http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://0/', 'http://10.1/', 'http://[fe80::1]/']) {
      refusedBy(() => policy.checkUrl(url), 'the SSRF guard')
    }
    assert.equal(policy.checkUrl('https://example.com/a').hostname, 'example.com')
  })

  test('schemes and credentials', () => {
    const policy = new WebPolicy()
    for (const url of ['file:///etc/passwd', 'ftp://example.com/', 'gopher://x/', 'not a url', 'https://user:pw@example.com/']) refusedBy(() => policy.checkUrl(url), 'web_fetch')
  })

  test('allowed and blocked hosts, with wildcards', () => {
    const policy = new WebPolicy({ allowedHosts: ['docs.python.org', '*.github.com'], blockedHosts: ['gist.github.com'] })
    policy.checkUrl('https://docs.python.org/3/')
    policy.checkUrl('https://api.github.com/repos')
    policy.checkUrl('https://DOCS.PYTHON.ORG./x')
    refusedBy(() => policy.checkUrl('https://github.com.evil.com/'), 'POLICY_WEB_FETCH_ALLOWED_HOSTS')
    refusedBy(() => policy.checkUrl('https://python.org/'), 'POLICY_WEB_FETCH_ALLOWED_HOSTS')
    refusedBy(() => policy.checkUrl('https://gist.github.com/x'), 'POLICY_WEB_FETCH_BLOCKED_HOSTS')
  })

  test('the loopback override needs the host named exactly in the allowed hosts, and never opens other private ranges', () => {
    refusedBy(() => new WebPolicy({ allowLoopback: true }).checkAddress('127.0.0.1', 'localhost'), 'the SSRF guard')
    refusedBy(() => new WebPolicy({ allowLoopback: true, allowedHosts: ['*.test'] }).checkAddress('127.0.0.1', 'a.test'), 'the SSRF guard')
    refusedBy(() => new WebPolicy({ allowedHosts: ['127.0.0.1'] }).checkUrl('http://127.0.0.1:8080/'), 'the SSRF guard')
    const local = new WebPolicy({ allowLoopback: true, allowedHosts: ['127.0.0.1', 'localhost'] })
    local.checkUrl('http://127.0.0.1:8080/')
    local.checkAddress('::1', 'localhost')
    refusedBy(() => local.checkAddress('10.0.0.1', 'localhost'), 'the SSRF guard')
    refusedBy(() => local.checkAddress('169.254.169.254', 'localhost'), 'the SSRF guard')
  })
})

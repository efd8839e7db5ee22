import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'

export interface AwsCredentials { accessKeyId: string, secretAccessKey: string, sessionToken?: string }

export type BedrockAuth =
  | { type: 'bearer', token: string }
  | { type: 'sigv4', region: string, credentials: AwsCredentials }

/**
 * Headers that authenticate one Bedrock call. A Bedrock API key is a bearer token and is never signed;
 * IAM credentials sign with SigV4 for service `bedrock`. The path is signed as it goes on the wire (model
 * ids percent-encoded once); the signer escapes each segment again for the canonical URI (`%3A` →
 * `%253A`), which is what AWS computes for every service but S3.
 */
export async function authHeaders (auth: BedrockAuth, url: URL, headers: Record<string, string>, body: string, method: 'GET' | 'POST' = 'POST'): Promise<Record<string, string>> {
  if (auth.type === 'bearer') return { ...headers, authorization: `Bearer ${auth.token}` }
  const signer = new SignatureV4({ service: 'bedrock', region: auth.region, credentials: auth.credentials, sha256: Sha256 })
  const query: Record<string, string> = {}
  for (const [key, value] of url.searchParams) query[key] = value
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query,
    headers: { ...headers, host: url.host },
    body
  })
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(signed.headers)) if (name.toLowerCase() !== 'host') out[name] = String(value)
  return out
}

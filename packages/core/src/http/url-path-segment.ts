import { LynkrError } from '@lynkr/protocol'

/**
 * A model or deployment name as one URL path segment. encodeURIComponent leaves `.` and `..` (and `%2e%2e`
 * is the same segment to the URL parser), which would change the upstream path (`/model/../converse`
 * → `/converse`): such names are refused as the client's error, never sent.
 */
export function urlPathSegment (value: string, what = 'model'): string {
  const segment = encodeURIComponent(value)
  if (segment === '' || /^(?:\.|%2e){1,2}$/i.test(segment)) {
    throw new LynkrError('invalid_request', `The ${what} name "${value}" cannot be used in an upstream URL`, { status: 400, origin: 'gateway', code: 'LYNKR_REQUEST_MODEL_NAME' })
  }
  return segment
}

/**
 * A copy of `value` without its undefined fields, for requests the front doors build. Deleting the fields
 * instead left the object in V8's slow dictionary mode, which every later read and spread paid for (seen in
 * profiles of the request path).
 */
export function definedFields<T extends object> (value: T): T {
  const out = {} as T
  for (const key in value) {
    if (value[key] !== undefined) out[key] = value[key]
  }
  return out
}

/**
 * `encoding_format: "base64"` is little-endian float32 bytes, base64-encoded (protocols.md §2.5). The
 * official SDK asks for it by default and decodes it itself.
 */
export function encodeFloat32Base64 (vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4)
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4))
  return bytes.toString('base64')
}

export function decodeFloat32Base64 (text: string): number[] {
  const bytes = Buffer.from(text, 'base64')
  const vector: number[] = []
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) vector.push(bytes.readFloatLE(offset))
  return vector
}

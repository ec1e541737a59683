/**
 * windows-1251 bytes of a text of ASCII and Russian (TextDecoder reads windows-1251, but
 * TextEncoder writes only UTF-8). The simulator writes its documents the way real AMR
 * head-ends do; anything outside the code page is refused rather than replaced.
 */
export function encodeWindows1251(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  let n = 0
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (code < 0x80) bytes[n++] = code
    else if (code >= 0x410 && code <= 0x44f) bytes[n++] = code - 0x410 + 0xc0
    else if (code === 0x401) bytes[n++] = 0xa8
    else if (code === 0x451) bytes[n++] = 0xb8
    else if (code === 0x2116) bytes[n++] = 0xb9
    else throw new RangeError(`"${ch}" has no windows-1251 byte`)
  }
  return bytes.subarray(0, n)
}

/**
 * Protocol text is handled as "binary strings": one JavaScript character per
 * byte (latin1), so any byte a client sends survives a round trip into a
 * reply or a queue file unchanged. Text from the environment arrives decoded
 * from UTF-8 and is turned back into its bytes here.
 */
export function binaryString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function binaryBytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** The inverse of binaryString, for text going back to the OS (a child's environment). */
export function textString(binary: string): string {
  return Buffer.from(binary, 'latin1').toString('utf8');
}

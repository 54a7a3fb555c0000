// The bytes of a transfer, made on the fly: chunk `index` is a fixed block stamped with its index,
// so a chunk lost, repeated or out of order changes the hash.
export const CHUNK_BYTES = 64 * 1024;

const block = Buffer.alloc(CHUNK_BYTES, 0);
for (let i = 0; i < CHUNK_BYTES; i++) block[i] = (i * 131 + 7) & 0xff;

export function chunkOf(index: number, length = CHUNK_BYTES): Buffer {
  const chunk = Buffer.from(block.subarray(0, length));
  if (length >= 8) chunk.writeBigUInt64BE(BigInt(index), 0);
  return chunk;
}

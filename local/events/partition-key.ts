// Maps a partition key to a partition the way the Event Hubs service does: Bob Jenkins' lookup3
// `hashlittle2` over the key's UTF-8 bytes (both seeds 0), the two 32-bit results XORed and cut to a
// signed 16-bit value, then |value mod partitionCount|. So a key lands on the same partition id
// locally as in Azure for the same partition count.

const rot = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

export function partitionForKey(partitionKey: string, partitionCount: number): number {
  const data = Buffer.from(partitionKey, 'utf8');
  let a = (0xdeadbeef + data.length) | 0;
  let b = a;
  let c = a;
  let i = 0;
  let left = data.length;

  // Every 12-byte block but the last is mixed in.
  while (left > 12) {
    a = (a + data.readUInt32LE(i)) | 0;
    b = (b + data.readUInt32LE(i + 4)) | 0;
    c = (c + data.readUInt32LE(i + 8)) | 0;
    a = (a - c) ^ rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) ^ rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) ^ rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) ^ rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) ^ rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) ^ rot(b, 4);
    b = (b + a) | 0;
    i += 12;
    left -= 12;
  }

  if (left > 0) {
    // The last 1..12 bytes, little-endian into a, b, c (missing bytes count as zero).
    const word = (at: number): number => {
      let w = 0;
      for (let k = 3; k >= 0; k--) w = (w << 8) | (at + k < i + left ? data[at + k] : 0);
      return w;
    };
    a = (a + word(i)) | 0;
    b = (b + word(i + 4)) | 0;
    c = (c + word(i + 8)) | 0;

    c = (c ^ b) - rot(b, 14);
    a = (a ^ c) - rot(c, 11);
    b = (b ^ a) - rot(a, 25);
    c = (c ^ b) - rot(b, 16);
    a = (a ^ c) - rot(c, 4);
    b = (b ^ a) - rot(a, 14);
    c = (c ^ b) - rot(b, 24);
  }

  const hash16 = (((c ^ b) << 16) >> 16) as number;
  return Math.abs(hash16 % partitionCount);
}

/**
 * CRC-64-AVRO ("Rabin") fingerprint, as the Avro specification defines it for
 * single-object encoding. avsc 5.x offers only md5/sha fingerprints, so the 20-line
 * algorithm from the spec lives here.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const TABLE: bigint[] = (() => {
  const t: bigint[] = new Array(256);
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
    t[i] = fp;
  }
  return t;
})();

/** 64-bit Rabin fingerprint of the bytes, as an unsigned bigint. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)]!;
  return fp & 0xffffffffffffffffn;
}

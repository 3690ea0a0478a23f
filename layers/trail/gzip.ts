import { gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';

export class GzipFormatError extends Error {
  override readonly name: string = 'GzipFormatError';
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/**
 * Inflates the first gzip member and says whether bytes follow it, as Python's
 * `zlib.decompressobj(MAX_WBITS | 16)` does in `aws cloudtrail validate-logs` (its `unused_data`): Node's
 * gunzip would instead read a second member, or fail on trailing bytes, and neither matches the CLI. The
 * member's CRC-32 and length are checked (by gunzipping exactly that member).
 */
export function gunzipFirstMember(bytes: Uint8Array): { data: Buffer; trailing: boolean } {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (input.length < 18 || input[0] !== 0x1f || input[1] !== 0x8b || input[2] !== 8) {
    throw new GzipFormatError('Not gzip data.');
  }
  const flags = input[3] as number;
  let offset = 10;
  if (flags & FEXTRA) offset += 2 + input.readUInt16LE(offset);
  if (flags & FNAME) offset = input.indexOf(0, offset) + 1;
  if (flags & FCOMMENT) offset = input.indexOf(0, offset) + 1;
  if (flags & FHCRC) offset += 2;
  if (offset <= 0 || offset > input.length) throw new GzipFormatError('Truncated gzip header.');
  let consumed: number;
  try {
    // With `info`, the engine reports how much input the deflate stream used; what follows is the trailer.
    const { engine } = inflateRawSync(input.subarray(offset), { info: true }) as unknown as {
      engine: { bytesWritten: number };
    };
    consumed = engine.bytesWritten;
  } catch (error) {
    throw new GzipFormatError(`Bad deflate data: ${(error as Error).message}`);
  }
  const end = offset + consumed + 8;
  if (end > input.length) throw new GzipFormatError('Truncated gzip member.');
  try {
    return { data: gunzipSync(input.subarray(0, end)), trailing: end < input.length };
  } catch (error) {
    throw new GzipFormatError(`Bad gzip member: ${(error as Error).message}`);
  }
}

export function gzip(data: string | Uint8Array): Buffer {
  return gzipSync(data);
}

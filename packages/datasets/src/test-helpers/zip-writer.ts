import { crc32, deflateRawSync } from 'node:zlib';

/** One entry for `writeZip`; every field beyond name and data exists to forge a hostile archive. */
export interface ZipEntrySpec {
  /** A string is written as UTF-8 with the UTF-8 flag; raw bytes are written as given without it. */
  name: string | Buffer;
  data?: Buffer | string;
  isDeflated?: boolean;
  /** Unix mode (e.g. 0o120777 for a symlink); marks the entry as made on Unix. */
  unixMode?: number;
  isEncrypted?: boolean;
}

/**
 * A minimal zip writer for tests (no data descriptors; zip64 only for the entry count): enough to build zip slips,
 * symlinks, bombs and CP437 names without committing binary fixtures.
 */
export function writeZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = typeof entry.name === 'string' ? Buffer.from(entry.name, 'utf8') : entry.name;
    const data = Buffer.from(entry.data ?? '');
    const compressed = entry.isDeflated ? deflateRawSync(data) : data;
    // Traditional encryption prefixes a 12-byte header; zeros are enough to look encrypted.
    const stored = entry.isEncrypted ? Buffer.concat([Buffer.alloc(12), compressed]) : compressed;
    const flags = (typeof entry.name === 'string' ? 0x800 : 0) | (entry.isEncrypted ? 0x1 : 0);
    const method = entry.isDeflated ? 8 : 0;
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, stored);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.unixMode === undefined ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.unixMode ?? 0) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  return Buffer.concat([...locals, ...writeCentralDirectory(centrals, entries.length, offset)]);
}

/**
 * A zip whose central directory lists `count` entries that all point at one local header and
 * its deflated body (the overlapping-entry bomb shape): a small file that names `count` times
 * the body's decompressed size.
 */
export function writeSharedBodyZip(count: number, data: Buffer): Buffer {
  const name = Buffer.from('body.jpg');
  const compressed = deflateRawSync(data);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const centrals: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const entryName = Buffer.from(`copy-${i}.jpg`);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(entryName.length, 28);
    central.writeUInt32LE(0, 42); // every entry starts at the same local header
    centrals.push(central, entryName);
  }
  const bodyEnd = local.length + name.length + compressed.length;
  return Buffer.concat([
    local,
    name,
    compressed,
    ...writeCentralDirectory(centrals, count, bodyEnd),
  ]);
}

/** The central directory and its end records; past 65,535 entries the zip64 records carry the count. */
function writeCentralDirectory(centrals: Buffer[], count: number, offset: number): Buffer[] {
  const centralDirectory = Buffer.concat(centrals);
  const isZip64 = count > 0xffff;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(isZip64 ? 0xffff : count, 8);
  end.writeUInt16LE(isZip64 ? 0xffff : count, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  if (!isZip64) return [centralDirectory, end];
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(centralDirectory.length), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + centralDirectory.length), 8);
  locator.writeUInt32LE(1, 16);
  return [centralDirectory, record, locator, end];
}

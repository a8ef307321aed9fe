/**
 * Reads how full the WAL is straight from SQLite's wal-index (the `-shm` file), which
 * every connection to the database shares through a memory mapping: `mxFrame` (frames
 * in the WAL) and `nBackfill` (frames already copied into the database). The layout is
 * SQLite's documented on-disk format (sqlite.org/walformat.html, "the wal-index
 * header"): a 48-byte header at offset 0 (mxFrame at 16), a second copy at 48, then
 * the checkpoint info (nBackfill at 96), in native byte order.
 *
 * Why not ask SQLite: `PRAGMA wal_checkpoint` runs a checkpoint to answer, and the
 * checkpointer's reports arrive late — compaction can add tens of megabytes of frames
 * between two reports. A 136-byte read costs a few microseconds.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** The wal-index header's iVersion for every WAL since SQLite 3.7.0. */
const WAL_INDEX_VERSION = 3007000;
const READ_BYTES = 136;

export interface WalFill {
  /** Frames in the WAL since it last started over. */
  frames: number;
  /** Of those, frames already copied into the database file. */
  backfilled: number;
}

export class WalIndex {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(READ_BYTES);

  constructor(private readonly shmPath: string) {}

  /** The WAL's fill, or undefined if the index cannot be read or is not in the expected format. */
  read(): WalFill | undefined {
    try {
      this.fd ??= openSync(this.shmPath, 'r');
      if (readSync(this.fd, this.buf, 0, READ_BYTES, 0) < READ_BYTES) return undefined;
    } catch {
      return undefined;
    }
    const b = this.buf;
    const le = b.readUInt32LE(0) === WAL_INDEX_VERSION;
    if (!le && b.readUInt32BE(0) !== WAL_INDEX_VERSION) return undefined;
    const u32 = (offset: number) => (le ? b.readUInt32LE(offset) : b.readUInt32BE(offset));
    // Byte 12 (isInit) is 1 once a connection has built the index.
    if (b[12] !== 1) return undefined;
    return { frames: u32(16), backfilled: u32(96) };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

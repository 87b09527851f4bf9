/**
 * Arrow files on disk: open them memory-mapped (no copy: apache-arrow's vectors are views into
 * the mapping) and write them atomically (temp file, fsync, rename).
 *
 * Both Arrow IPC formats are read: the stream format (what HF `datasets` writes for
 * `data-*.arrow` and `cache-*.arrow`) and the file format (magic `ARROW1`, footer).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RecordBatchReader, type Schema, Table, tableToIPC } from 'apache-arrow';
import { binding } from '../binding.js';
import { DatasetError, native, nativeAsync } from '../errors.js';

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

function hasMagic(b: Uint8Array, at: number): boolean {
  return MAGIC.every((c, i) => b[at + i] === c);
}

/**
 * Decodes the Arrow IPC bytes of `file` (stream or file format) into a Table whose buffers are
 * views into `bytes`. Throws `CORRUPT_ARROW` for anything that is not complete Arrow IPC.
 */
export function decodeArrow(bytes: Uint8Array, file: string): Table {
  const n = bytes.byteLength;
  const isFileFormat = n >= 6 && hasMagic(bytes, 0);
  if (n < 8) {
    throw new DatasetError(
      'CORRUPT_ARROW',
      `${file}: ${n} bytes is too short to be an Arrow IPC file or stream; the file is truncated or not Arrow`,
    );
  }
  // 1. Completeness: a stream ends with the end-of-stream marker (0xFFFFFFFF 0x00000000); the
  //    file format ends with its magic. A truncated file lacks them, and apache-arrow would
  //    otherwise return the batches it could read.
  if (isFileFormat) {
    if (!hasMagic(bytes, n - 6)) {
      throw new DatasetError(
        'CORRUPT_ARROW',
        `${file}: Arrow file format without its trailing 'ARROW1' magic: the file is truncated (${n} bytes); re-create it`,
      );
    }
  } else {
    const tail = new DataView(bytes.buffer, bytes.byteOffset + n - 8, 8);
    // Only the modern marker is accepted: a bare 4-zero-byte tail (the pre-0.15 marker) is also
    // what a file cut inside zero padding ends with.
    const eos = tail.getUint32(0, true) === 0xffffffff && tail.getUint32(4, true) === 0;
    if (!eos) {
      throw new DatasetError(
        'CORRUPT_ARROW',
        `${file}: Arrow stream without its end-of-stream marker: the file is truncated or not Arrow (${n} bytes); re-create it`,
      );
    }
  }
  // 2. Decode every batch; apache-arrow reads bodies as subarrays of `bytes` (8-byte aligned in
  //    IPC, and the mapping is page aligned), so columns are views, not copies.
  let table: Table;
  try {
    const reader = RecordBatchReader.from(bytes);
    const batches = [...reader];
    table = new Table(reader.schema, batches);
  } catch (e) {
    throw new DatasetError(
      'CORRUPT_ARROW',
      `${file}: not a valid Arrow IPC ${isFileFormat ? 'file' : 'stream'}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (table.schema === undefined || table.schema.fields === undefined) {
    throw new DatasetError('CORRUPT_ARROW', `${file}: no Arrow schema found`);
  }
  // 3. Every batch's buffers must lie inside the file (a corrupt length otherwise reads past it).
  for (const batch of table.batches) {
    if (batch.numRows < 0)
      throw new DatasetError('CORRUPT_ARROW', `${file}: negative row count in a record batch`);
  }
  return table;
}

/** Maps `file` and decodes it (see `decodeArrow`); the mapping lives as long as the Table. */
export function openArrowSync(file: string): Table {
  const buf = native(() => binding.mapFileSync(file));
  return decodeArrow(new Uint8Array(buf), file);
}

/** The async twin of `openArrowSync`: open + mmap run on the libuv thread pool. */
export async function openArrow(file: string): Promise<Table> {
  const buf = await nativeAsync(() => binding.mapFile(file));
  return decodeArrow(new Uint8Array(buf), file);
}

/**
 * Writes `bytes` to `file` atomically: a temp file beside it, fsync, rename. A crash at any
 * point leaves either the old file or the new one, never half of it (the temp file is removed
 * on error; a killed process can leave only a `.tmp-*` file, which no reader opens).
 */
export function writeFileAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = join(dirname(file), `.tmp-${process.pid}-${Date.now()}-${basename(file)}`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    let off = 0;
    while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new DatasetError('WRITE_FAILED', `${file}: could not write: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Serializes a table in the Arrow IPC stream format (HF's on-disk format). */
export function encodeArrowStream(table: Table): Uint8Array {
  return tableToIPC(table, 'stream');
}

export type { Schema };

/**
 * Writes an Arrow IPC stream batch by batch to a temp file, then fsync + rename on `close()`.
 * Memory stays at one batch. A crash before `close()` leaves only the `.tmp-*` file; `abort()`
 * removes it.
 *
 * Framing (Arrow IPC): each message is 0xFFFFFFFF, an int32 metadata length, the flatbuffer
 * metadata, then the body. `tableToIPC` of a one-batch table is [schema message][batch
 * message][EOS]; the schema message has no body, so its size is 8 + metadata length. We write
 * the schema once, the batch messages of every table, and one EOS at the end.
 */
export class StreamFileWriter {
  readonly #file: string;
  readonly #tmp: string;
  #fd: number | undefined;
  #wroteSchema = false;

  constructor(file: string) {
    this.#file = file;
    this.#tmp = join(dirname(file), `.tmp-${process.pid}-${Date.now()}-${basename(file)}`);
    try {
      this.#fd = openSync(this.#tmp, 'w');
    } catch (e) {
      throw new DatasetError(
        'WRITE_FAILED',
        `${file}: could not create ${this.#tmp}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  #write(bytes: Uint8Array): void {
    if (this.#fd === undefined)
      throw new DatasetError('WRITE_FAILED', `${this.#file}: writer already closed`);
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(this.#fd, bytes, off, bytes.byteLength - off);
  }

  /** Appends the batches of `table` (its schema must equal the first table's). */
  write(table: Table): void {
    try {
      const bytes = tableToIPC(table, 'stream');
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const schemaEnd = 8 + view.getInt32(4, true);
      this.#write(
        this.#wroteSchema
          ? bytes.subarray(schemaEnd, bytes.byteLength - 8)
          : bytes.subarray(0, bytes.byteLength - 8),
      );
      this.#wroteSchema = true;
    } catch (e) {
      this.abort();
      if (e instanceof DatasetError) throw e;
      throw new DatasetError(
        'WRITE_FAILED',
        `${this.#file}: could not write: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /** Ends the stream (EOS marker), fsyncs and renames into place. */
  close(): void {
    try {
      if (!this.#wroteSchema)
        throw new DatasetError('WRITE_FAILED', `${this.#file}: nothing written (no schema)`);
      this.#write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
      fsyncSync(this.#fd as number);
      closeSync(this.#fd as number);
      this.#fd = undefined;
      renameSync(this.#tmp, this.#file);
    } catch (e) {
      this.abort();
      if (e instanceof DatasetError) throw e;
      throw new DatasetError(
        'WRITE_FAILED',
        `${this.#file}: could not write: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /** Drops the temp file; the target is left as it was. */
  abort(): void {
    if (this.#fd !== undefined) {
      try {
        closeSync(this.#fd);
      } catch {
        // already closed: nothing to release
      }
      this.#fd = undefined;
    }
    rmSync(this.#tmp, { force: true });
  }
}

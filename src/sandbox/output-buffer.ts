import { Writable } from 'node:stream';

/** Keeps the first `limit` bytes written to it and counts the rest. */
export class CappedBuffer extends Writable {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;
  readonly #onWrite: () => void;

  constructor(limit: number, onWrite: () => void) {
    super();
    this.#limit = limit;
    this.#onWrite = onWrite;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    const room = Math.max(0, this.#limit - this.#kept);
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.#chunks.push(part);
      this.#kept += part.length;
    }
    this.#dropped += chunk.length - Math.min(room, chunk.length);
    this.#onWrite();
    done();
  }

  get dropped(): number {
    return this.#dropped;
  }

  contents(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

/**
 * Standard output for a command that is used as a Unix filter. When the reader goes away
 * (`vigil replay events.ndjson | head -1`) the command stops writing and ends quietly with status 0,
 * as `cat` does: Node ignores SIGPIPE, so the write fails with EPIPE instead, which would otherwise
 * surface as an uncaught exception and its stack trace.
 */
export class PipeOutput {
  readonly #stream: NodeJS.WriteStream;
  #readerGone = false;
  #failure: Error | undefined;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.#readerGone = true;
      else this.#failure ??= error;
    });
  }

  /** True once nothing more can be written: the reader went away, or writing failed. */
  get closed(): boolean {
    return this.#readerGone || this.#failure !== undefined;
  }

  /** A write error other than a reader going away (a full disk): the command should say so. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Writes, waiting while the reader catches up (back-pressure); does nothing once closed. */
  async write(text: string): Promise<void> {
    if (this.closed || this.#stream.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#stream.off('drain', done);
        this.#stream.off('error', done);
        resolve();
      };
      this.#stream.once('drain', done);
      this.#stream.once('error', done);
    });
  }
}

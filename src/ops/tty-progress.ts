/** Where a progress line goes: a terminal for a person, or anything else, where it says nothing. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  /** The terminal's width: a line longer than this would wrap, and `\r` would rewrite only its end. */
  readonly columns?: number;
  write(text: string): boolean;
}

/** What one task counts. */
export interface ProgressTask {
  /** What is being done: `replay`, `producing to Kafka`. */
  readonly label: string;
  /** What is counted, plural: `events`, `steps`. */
  readonly unit: string;
  readonly total?: number;
  /** Whether the line shows a rate; off for a handful of slow steps, where it means nothing. */
  readonly rate?: boolean;
}

export interface TtyProgressOptions {
  /** How often the line is redrawn. */
  readonly intervalMs?: number;
  /** Nothing is drawn until a task has run this long, so a short one leaves no trace. */
  readonly delayMs?: number;
}

/** Clears the current terminal line (carriage return, then erase to its end). */
const CLEAR = '\r\u001b[K';

/**
 * One line on a terminal, redrawn in place, that says how far a long task has come: its count, its
 * rate and its elapsed time. On anything but a terminal (a pipe, a file, a CI log) it draws nothing,
 * so output meant for programs stays as it was; notes still go through, as plain lines.
 */
export class TtyProgress {
  readonly #stream: ProgressStream;
  readonly #intervalMs: number;
  readonly #delayMs: number;
  #task: ProgressTask | undefined;
  #count = 0;
  #fraction: number | undefined;
  #startedMs = 0;
  #drawn = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(stream: ProgressStream, options: TtyProgressOptions = {}) {
    this.#stream = stream;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#delayMs = options.delayMs ?? 0;
  }

  /** Whether anything is ever drawn: only on a terminal. */
  get active(): boolean {
    return this.#stream.isTTY === true;
  }

  /** Begins a task, counting from zero and timing from now; replaces the one before. */
  start(task: ProgressTask): void {
    this.#task = task;
    this.#count = 0;
    this.#fraction = undefined;
    this.#startedMs = Date.now();
    if (!this.active || this.#timer) return;
    // The timer, not each update, draws: a hot loop pays for a number, and a stall still ticks.
    this.#timer = setInterval(() => this.#draw(), this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * How many so far; `fraction` (0 to 1) says how much of the work that is when no total is known in
   * the unit counted (bytes of a file read, for a count of events), and `label` renames the step.
   */
  update(count: number, more: { readonly fraction?: number; readonly label?: string } = {}): void {
    this.#count = count;
    if (more.fraction !== undefined) this.#fraction = more.fraction;
    if (more.label !== undefined && this.#task) this.#task = { ...this.#task, label: more.label };
  }

  /** A line of its own, printed above the progress line, which is redrawn below it. */
  note(line: string): void {
    this.#clear();
    this.#stream.write(`${line}\n`);
    this.#draw();
  }

  /**
   * A log destination that keeps log lines whole: the progress line is cleared before each and
   * redrawn after it. `target` must write synchronously (a terminal does).
   */
  around(target: { write(text: string): unknown }): { write(text: string): void } {
    return {
      write: (text: string) => {
        this.#clear();
        target.write(text);
        this.#draw();
      },
    };
  }

  /** Stops drawing; `keep` leaves the final count on the terminal, otherwise the line is erased. */
  end(options: { readonly keep?: boolean } = {}): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (options.keep && this.active && this.#task) {
      this.#stream.write(`${CLEAR}${this.#line(Date.now())}\n`);
      this.#drawn = false;
    } else this.#clear();
    this.#task = undefined;
  }

  #clear(): void {
    if (!this.#drawn) return;
    this.#stream.write(CLEAR);
    this.#drawn = false;
  }

  #draw(): void {
    const nowMs = Date.now();
    if (!this.active || !this.#task || !this.#timer || nowMs - this.#startedMs < this.#delayMs) return;
    this.#stream.write(`${CLEAR}${this.#line(nowMs)}`);
    this.#drawn = true;
  }

  #line(nowMs: number): string {
    const task = this.#task!;
    const elapsedMs = nowMs - this.#startedMs;
    const { total } = task;
    const count =
      total === undefined ? formatCount(this.#count) : `${formatCount(this.#count)} of ${formatCount(total)}`;
    const percent = total ? ` (${Math.floor((this.#count * 100) / total)} %)` : '';
    const parts = [
      `${task.label}: ${count} ${task.unit}${percent}`,
      ...(total === undefined && this.#fraction !== undefined
        ? [`${Math.floor(Math.min(1, this.#fraction) * 100)} % read`]
        : []),
      ...(task.rate === false || elapsedMs <= 0
        ? []
        : [`${formatCount(Math.round((this.#count * 1000) / elapsedMs))} ${task.unit}/s`]),
      formatElapsed(elapsedMs),
    ];
    const line = parts.join(', ');
    const width = (this.#stream.columns ?? 0) - 1;
    return width > 0 && line.length > width ? `${line.slice(0, width - 1)}…` : line;
  }
}

const formatCount = (n: number) => n.toLocaleString('en');

/** `4.2 s` under a minute, then `3 min 07 s`. */
export function formatElapsed(elapsedMs: number): string {
  if (elapsedMs < 60_000) return `${(elapsedMs / 1000).toFixed(1)} s`;
  const seconds = Math.floor(elapsedMs / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/**
 * The on-trigger mode's rolling window: encoded segments, each opening with
 * a full snapshot, of which only the most recent are kept.
 *
 * Segments are cut every `triggerWindow / 2` ms. Keeping the last two closed
 * segments plus the open one (still in the core's buffer) covers at least
 * the last `triggerWindow` ms at any moment (between 1 and 1.5 windows).
 *
 * @packageDocumentation
 */

/** Default of the `triggerWindow` option, in milliseconds. */
export const DEFAULT_TRIGGER_WINDOW = 60_000;

/** One closed segment: an encoded batch and its sequence number. */
export interface Segment {
  readonly bytes: Uint8Array;
  readonly sequence: number;
}

/** The closed segments of the window, oldest first. */
export class TriggerWindow {
  private segments: Segment[] = [];
  private held = 0;
  /** After {@link release}: where later segments go. */
  private forward: ((segment: Segment) => void) | undefined;
  private closed = false;

  /**
   * @param keep - closed segments kept (2: see the module comment).
   * @param maxBytes - byte cap; older segments go first when over it (at least one is kept).
   */
  constructor(
    private readonly keep: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * Adds a closed segment, forgetting the oldest beyond `keep` or the byte
   * cap. After {@link release} it goes straight to the release's sink;
   * after {@link close} it is dropped. (Segments arrive late: they are
   * compressed after they are cut.)
   */
  add(segment: Segment): void {
    if (this.forward) {
      this.forward(segment);
      return;
    }
    if (this.closed) return;
    this.segments.push(segment);
    this.held += segment.bytes.byteLength;
    while (this.segments.length > this.keep || (this.held > this.maxBytes && this.segments.length > 1)) {
      const old = this.segments.shift();
      if (old) this.held -= old.bytes.byteLength;
    }
  }

  /** Returns the segments, oldest first, and empties the window. */
  drain(): Segment[] {
    const out = this.segments;
    this.segments = [];
    this.held = 0;
    return out;
  }

  /**
   * The trigger: hands every segment held to `sink`, oldest first, and every
   * segment added later too (those still being compressed).
   */
  release(sink: (segment: Segment) => void): void {
    if (this.closed || this.forward) return;
    this.forward = sink;
    for (const s of this.drain()) sink(s);
  }

  /** The window is abandoned (new session, excluded page, withdrawal): drops what it holds and what comes later. Does nothing once released. */
  close(): void {
    if (this.forward) return;
    this.closed = true;
    this.drain();
  }

  /** Bytes held. */
  get bytes(): number {
    return this.held;
  }

  /** Segments held. */
  get length(): number {
    return this.segments.length;
  }
}

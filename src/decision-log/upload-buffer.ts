export interface UploadBufferDrops {
  /** Oldest events evicted to make room. */
  buffer_full: number;
  /** Events larger than a whole upload batch: they could never be sent. */
  event_too_large: number;
}

export interface UploadBuffer {
  /** Appends events, evicting the oldest while over either bound. */
  push(events: readonly string[]): void;
  /** Removes and returns the oldest events, at most `maxBytes` in total (always at least one). */
  take(maxBytes: number): string[];
  /** Puts a batch that failed back at the front (it is older than anything queued), then enforces the bounds. */
  putBack(batch: readonly string[]): void;
  /** Empties the buffer and returns how many events it held. */
  clear(): number;
  readonly events: number;
  readonly bytes: number;
  readonly drops: Readonly<UploadBufferDrops>;
}

/**
 * The HTTP sink's memory bound: a FIFO of serialised events limited by count and by bytes, where
 * the oldest events are dropped first (they are the least useful to a live audit, and the newest
 * show what is happening now). Every eviction is counted.
 */
export function createUploadBuffer(maxEvents: number, maxBytes: number, batchMaxBytes: number): UploadBuffer {
  let items: string[] = [];
  let sizes: number[] = [];
  let head = 0;
  let bytes = 0;
  const drops: UploadBufferDrops = { buffer_full: 0, event_too_large: 0 };

  const evict = (): void => {
    while (items.length - head > maxEvents || bytes > maxBytes) {
      bytes -= sizes[head]!;
      head++;
      drops.buffer_full++;
    }
    if (head > 1024 && head * 2 > items.length) {
      items = items.slice(head);
      sizes = sizes.slice(head);
      head = 0;
    }
  };

  return {
    push(events) {
      for (const e of events) {
        const size = Buffer.byteLength(e);
        if (size > batchMaxBytes) {
          drops.event_too_large++;
          continue;
        }
        items.push(e);
        sizes.push(size);
        bytes += size;
      }
      evict();
    },
    take(limit) {
      let end = head;
      let total = 0;
      while (end < items.length && (end === head || total + sizes[end]! <= limit)) total += sizes[end++]!;
      const batch = items.slice(head, end);
      bytes -= total;
      head = end;
      evict();
      return batch;
    },
    putBack(batch) {
      const batchSizes = batch.map((e) => Buffer.byteLength(e));
      items = [...batch, ...items.slice(head)];
      sizes = [...batchSizes, ...sizes.slice(head)];
      head = 0;
      bytes += batchSizes.reduce((a, b) => a + b, 0);
      evict();
    },
    clear() {
      const n = items.length - head;
      items = [];
      sizes = [];
      head = bytes = 0;
      return n;
    },
    get events() {
      return items.length - head;
    },
    get bytes() {
      return bytes;
    },
    get drops() {
      return drops;
    },
  };
}

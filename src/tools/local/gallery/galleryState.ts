import type { RecordResult } from '../../../function/processor/recordOutcome';
import type { DeliveredEvent } from '../localEventLog';

/** How many published events the gallery keeps to show, newest first. */
const EVENTS_KEPT = 50;

export type GalleryStatus = 'processing' | RecordResult['status'];

/** What the gallery shows for one original. */
export interface GalleryItem {
  readonly key: string;
  readonly bytes: number | undefined;
  readonly status: GalleryStatus;
  readonly reason?: string | undefined;
  readonly detail?: string | undefined;
  readonly thumbnailKey?: string | undefined;
  readonly thumbnail?:
    { readonly bytes: number; readonly width: number; readonly height: number } | undefined;
  readonly updatedAt: string;
}

/** The gallery's model: one item per original in the source bucket, newest first, with change listeners. */
export class GalleryState {
  private readonly items = new Map<string, GalleryItem>();
  private readonly events: DeliveredEvent[] = [];
  private readonly listeners = new Set<() => void>();

  processing(key: string, bytes: number | undefined): void {
    this.set({ key, bytes, status: 'processing', updatedAt: new Date().toISOString() });
  }

  settled(record: RecordResult, bytes: number | undefined): void {
    this.set({
      key: record.key,
      bytes,
      status: record.status,
      reason: record.reason,
      detail: record.detail,
      thumbnailKey: record.outputKey,
      thumbnail: record.output && {
        bytes: record.output.bytes,
        width: record.output.width,
        height: record.output.height,
      },
      updatedAt: new Date().toISOString(),
    });
  }

  remove(key: string): void {
    if (this.items.delete(key)) {
      this.changed();
    }
  }

  /** An event the stack published: shown at the top of the page's event list. */
  published(event: DeliveredEvent): void {
    this.events.unshift(event);
    this.events.splice(EVENTS_KEPT);
    this.changed();
  }

  publishedEvents(): readonly DeliveredEvent[] {
    return this.events;
  }

  list(): GalleryItem[] {
    return [...this.items.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** Returns a function that unsubscribes. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(item: GalleryItem): void {
    this.items.set(item.key, item);
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) {
      listener();
    }
  }
}

// A screen's live data: draw what the API (or the service worker's cache) answers, redraw when fresher data
// arrives, and keep the banner saying how old the oldest data on screen is.
import { get, subscribe } from './api.js';
import { stale, fresh } from './status.js';

export class Screen {
  constructor() {
    this.closed = false;
    this.unsubscribers = [];
    this.staleSince = new Map(); // path -> cachedAt of what is drawn
    this.offline = false;
  }

  /** GET path, draw(data) now and again on every fresher answer; resolves with the first data. */
  async live(path, draw) {
    const { data, cachedAt } = await get(path);
    if (this.closed) return data;
    draw(data);
    this.mark(path, cachedAt);
    this.unsubscribers.push(subscribe(path, (message) => {
      if (this.closed) return;
      if (message.offline) {
        this.offline = true;
      } else {
        this.offline = false;
        draw(message.data);
        this.staleSince.delete(path);
      }
      this.banner();
    }));
    return data;
  }

  mark(path, cachedAt) {
    if (cachedAt) this.staleSince.set(path, cachedAt);
    else this.staleSince.delete(path);
    this.banner();
  }

  banner() {
    if (this.staleSince.size === 0) {
      fresh();
      return;
    }
    stale(Math.min(...this.staleSince.values()), { isOffline: this.offline || !navigator.onLine });
  }

  close() {
    this.closed = true;
    for (const off of this.unsubscribers) off();
    this.unsubscribers = [];
  }
}

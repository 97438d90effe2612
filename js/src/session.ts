/**
 * The visit ("session"): its random id, when it started, when it was last
 * active, whether it is sampled, kept in `sessionStorage` under
 * `reticent.session`, and only after consent. Never a cookie, never
 * `localStorage`. When `sessionStorage` is unavailable or throws (privacy
 * modes, sandboxed frames), the entry lives in memory for the page's life.
 *
 * @packageDocumentation
 */

/** The `sessionStorage` key. */
export const SESSION_KEY = 'reticent.session';

/** Default of the `idleTimeout` option: 30 minutes. */
export const DEFAULT_IDLE_TIMEOUT = 30 * 60 * 1000;
/** Default of the `maxSessionDuration` option: 4 hours. */
export const DEFAULT_MAX_SESSION_DURATION = 4 * 60 * 60 * 1000;

/** What is stored, as JSON. */
export interface SessionEntry {
  /** The session id (22 characters of base64url). */
  readonly id: string;
  /** Start of the session, ms since the epoch. */
  readonly started: number;
  /** Last time the recorder saw activity, ms since the epoch. */
  lastActivity: number;
  /** Whether this session is recorded (`sampleRate`, drawn once per session). */
  readonly sampled: boolean;
  /** Whether the on-trigger mode was triggered in this session (it then records continuously). */
  triggered: boolean;
}

/** The part of `Storage` used here. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** How long a session lives, and how many are recorded. */
export interface SessionPolicy {
  /** Inactivity after which the next activity starts a new session, ms. */
  readonly idleTimeout: number;
  /** Age after which a session ends and a new one starts, ms. */
  readonly maxSessionDuration: number;
  /** Fraction of sessions recorded, 0 to 1. */
  readonly sampleRate: number;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Reads and writes the entry. Every storage call is guarded: a throwing or
 * missing `sessionStorage` switches to memory for good.
 */
export class SessionStore {
  private memory: SessionEntry | undefined;
  private useMemory = false;
  /** Whether the storage was reached (after consent): only then may `remove` touch it. */
  private reached = false;

  /** @param storage - returns the storage (may throw, e.g. `SecurityError`); called at first use, after consent. */
  constructor(private readonly storage: () => StorageLike | undefined | null) {}

  /** The stored entry, or `undefined` when there is none or it is unreadable. */
  read(): SessionEntry | undefined {
    if (!this.useMemory) {
      try {
        const s = this.storage();
        if (s) {
          this.reached = true;
          const raw = s.getItem(SESSION_KEY);
          return raw === null ? undefined : parseEntry(raw);
        }
      } catch {
        // Fall through to memory.
      }
      this.useMemory = true;
    }
    return this.memory === undefined ? undefined : { ...this.memory };
  }

  /** Stores `entry`. */
  write(entry: SessionEntry): void {
    this.memory = { ...entry };
    if (this.useMemory) return;
    try {
      const s = this.storage();
      if (s) {
        this.reached = true;
        s.setItem(SESSION_KEY, JSON.stringify(entry));
        return;
      }
    } catch {
      // Quota, SecurityError: keep it in memory.
    }
    this.useMemory = true;
  }

  /**
   * Deletes the entry (consent withdrawn), from the storage too once it was
   * reached, even after falling back to memory: an entry written before a
   * later write failed must not outlive the withdrawal.
   */
  remove(): void {
    this.memory = undefined;
    if (!this.reached) return;
    try {
      this.storage()?.removeItem(SESSION_KEY);
    } catch {
      // Nothing stored that we could reach.
    }
  }
}

/** Parses a stored entry; `undefined` if it is not one we wrote. */
export function parseEntry(raw: string): SessionEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' || !ID.test(o.id)) return undefined;
  if (typeof o.started !== 'number' || !Number.isFinite(o.started)) return undefined;
  if (typeof o.lastActivity !== 'number' || !Number.isFinite(o.lastActivity)) return undefined;
  if (typeof o.sampled !== 'boolean') return undefined;
  return {
    id: o.id,
    started: o.started,
    lastActivity: o.lastActivity,
    sampled: o.sampled,
    triggered: o.triggered === true,
  };
}

/** Whether `entry` still holds at `now` (not idle too long, not too old, not from the future). */
export function isLive(entry: SessionEntry, now: number, policy: SessionPolicy): boolean {
  return (
    entry.started <= now &&
    now - entry.lastActivity < policy.idleTimeout &&
    now - entry.started < policy.maxSessionDuration
  );
}

/**
 * At consent (or when a session ends): continues the stored session if it
 * is still live, else starts one with a new id and draws the sampling
 * decision (`random() < sampleRate`). Writes the entry and returns it.
 */
export function openSession(
  store: SessionStore,
  policy: SessionPolicy,
  now: number,
  newId: () => string,
  random: () => number,
  forceNew = false,
): SessionEntry {
  const existing = forceNew ? undefined : store.read();
  let entry: SessionEntry;
  if (existing && isLive(existing, now, policy)) {
    entry = { ...existing, lastActivity: now };
  } else {
    entry = { id: newId(), started: now, lastActivity: now, sampled: random() < policy.sampleRate, triggered: false };
  }
  store.write(entry);
  return entry;
}

/** The browser's `sessionStorage`, read lazily (the getter itself may throw). */
export function browserSessionStorage(): StorageLike | undefined {
  return (globalThis as { sessionStorage?: StorageLike }).sessionStorage;
}

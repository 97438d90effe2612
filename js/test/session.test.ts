import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLive, openSession, parseEntry, SESSION_KEY, SessionStore, type SessionPolicy } from '../src/session.js';
import { FakeStorage } from './fakes.js';

const policy: SessionPolicy = { idleTimeout: 30 * 60_000, maxSessionDuration: 4 * 3_600_000, sampleRate: 1 };
const T0 = 1_800_000_000_000;

function ids() {
  let n = 0;
  return () => `s${++n}`;
}

describe('SessionStore', () => {
  it('writes JSON under reticent.session, reads it back, removes it', () => {
    const storage = new FakeStorage();
    const store = new SessionStore(() => storage);
    store.write({ id: 'abc', started: 1, lastActivity: 2, sampled: true, triggered: false });
    assert.deepEqual(JSON.parse(storage.data.get(SESSION_KEY)!), { id: 'abc', started: 1, lastActivity: 2, sampled: true, triggered: false });
    assert.deepEqual(store.read(), { id: 'abc', started: 1, lastActivity: 2, sampled: true, triggered: false });
    store.remove();
    assert.equal(storage.data.size, 0);
    assert.equal(store.read(), undefined);
  });

  it('does not touch storage until used', () => {
    let asked = 0;
    new SessionStore(() => {
      asked++;
      return new FakeStorage();
    });
    assert.equal(asked, 0);
  });

  for (const [name, storage] of [
    ['a throwing sessionStorage getter', () => { throw new DOMException('denied', 'SecurityError'); }],
    ['a Storage whose calls throw', () => Object.assign(new FakeStorage(), { throws: true })],
    ['no sessionStorage', () => undefined],
  ] as const) {
    it(`falls back to memory with ${name}`, () => {
      const store = new SessionStore(storage as () => FakeStorage | undefined);
      assert.equal(store.read(), undefined);
      store.write({ id: 'mem', started: 1, lastActivity: 1, sampled: true, triggered: false });
      assert.equal(store.read()?.id, 'mem');
      store.remove();
      assert.equal(store.read(), undefined);
    });
  }

  it('remove() deletes the stored entry even after a later write fell back to memory', () => {
    const storage = new FakeStorage();
    const store = new SessionStore(() => storage);
    store.write({ id: 'abc', started: 1, lastActivity: 1, sampled: true, triggered: false });
    storage.throws = true; // e.g. the quota, on the next write
    store.write({ id: 'abc', started: 1, lastActivity: 2, sampled: true, triggered: false });
    storage.throws = false;
    store.remove();
    assert.equal(storage.data.size, 0);
  });

  it('remove() before any read or write touches no storage', () => {
    const storage = new FakeStorage();
    storage.data.set(SESSION_KEY, 'kept');
    new SessionStore(() => storage).remove();
    assert.deepEqual(storage.calls, []);
  });

  it('ignores entries it did not write', () => {
    for (const raw of ['', 'x', 'null', '[]', '{"id":"a b","started":1,"lastActivity":1,"sampled":true}', '{"id":"a","started":"1","lastActivity":1,"sampled":true}', '{"id":"a","started":1,"lastActivity":1}']) {
      assert.equal(parseEntry(raw), undefined, raw);
    }
  });
});

describe('openSession', () => {
  it('starts a session, then continues it while live (new page view, same id)', () => {
    const store = new SessionStore(() => new FakeStorage());
    const storage = new FakeStorage();
    const s2 = new SessionStore(() => storage);
    const newId = ids();
    const a = openSession(s2, policy, T0, newId, () => 0.5);
    assert.equal(a.id, 's1');
    const b = openSession(s2, policy, T0 + 29 * 60_000, newId, () => 0.5);
    assert.equal(b.id, 's1');
    assert.equal(b.lastActivity, T0 + 29 * 60_000);
    assert.equal(JSON.parse(storage.data.get(SESSION_KEY)!).lastActivity, T0 + 29 * 60_000);
    void store;
  });

  const ends: Array<[string, number, number]> = [
    ['idle for idleTimeout', T0 + 30 * 60_000, T0],
    ['older than maxSessionDuration', T0 + 4 * 3_600_000, T0 + 4 * 3_600_000 - 1000],
    ['started in the future (clock change)', T0 - 10_000, T0 - 10_000],
  ];
  for (const [name, now, lastActivity] of ends) {
    it(`starts a new session when the stored one is ${name}`, () => {
      const storage = new FakeStorage();
      storage.data.set(SESSION_KEY, JSON.stringify({ id: 'old', started: T0, lastActivity, sampled: true, triggered: false }));
      const s = openSession(new SessionStore(() => storage), policy, now, ids(), () => 0.5);
      assert.equal(s.id, 's1');
      assert.equal(isLive({ id: 'old', started: T0, lastActivity, sampled: true, triggered: false }, now, policy), false);
    });
  }

  it('draws sampling once per session, and keeps the draw across page views', () => {
    const storage = new FakeStorage();
    const store = new SessionStore(() => storage);
    const half = { ...policy, sampleRate: 0.5 };
    const a = openSession(store, half, T0, ids(), () => 0.7);
    assert.equal(a.sampled, false);
    const b = openSession(store, half, T0 + 1000, ids(), () => 0.1);
    assert.equal(b.sampled, false, 'a later draw would sample, but the session keeps its decision');
    assert.equal(openSession(new SessionStore(() => new FakeStorage()), half, T0, ids(), () => 0.49).sampled, true);
    assert.equal(openSession(new SessionStore(() => new FakeStorage()), { ...policy, sampleRate: 0 }, T0, ids(), () => 0).sampled, false);
    assert.equal(openSession(new SessionStore(() => new FakeStorage()), policy, T0, ids(), () => 0.999999).sampled, true);
  });
});

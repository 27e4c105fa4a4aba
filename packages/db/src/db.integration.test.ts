import { cp, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from './migrate';
import { PostgresBlobStore, BLOB_CHUNK_BYTES } from './blob-store';
import { createTestDatabase, type TestDatabase } from './testing';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('migrations', () => {
  it('are recorded like prisma migrate deploy and are idempotent', async () => {
    const again = await applyMigrations(t.url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied.length).toBeGreaterThan(0);
    const rows = await t.db.$queryRawUnsafe<{ migration_name: string; finished_at: Date | null }[]>(
      'SELECT migration_name, finished_at FROM "_prisma_migrations"',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(again.alreadyApplied);
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
  });

  it('refuses a migration that was edited after being applied', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const [first] = (await readdir(dir)).filter((name) => !name.endsWith('.toml')).sort();
    await writeFile(path.join(dir, first!, 'migration.sql'), '-- edited\nSELECT 1;');
    await expect(applyMigrations(t.url, dir)).rejects.toThrow(/was changed after it was applied/);
  });

  it('rolls back a failing migration and names it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await mkdir(path.join(dir, '99990101000000_broken'));
    await writeFile(
      path.join(dir, '99990101000000_broken', 'migration.sql'),
      'CREATE TABLE "Broken" (id int); SELECT no_such_function();',
    );
    await expect(applyMigrations(t.url, dir)).rejects.toThrow(/99990101000000_broken failed/);
    const tables = await t.db.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM pg_tables WHERE tablename = 'Broken'`,
    );
    expect(Number(tables[0]!.n)).toBe(0);
  });
});

describe('the migrated database matches the schema', () => {
  it('round-trips every model through the generated client', async () => {
    const dataset = await t.db.dataset.create({ data: { name: 'pets', sourceKind: 'upload' } });
    const store = new PostgresBlobStore(t.db);
    await store.put('img:abc', new Uint8Array([1, 2, 3]), 'image/jpeg');
    const file = await t.db.datasetFile.create({
      data: {
        datasetId: dataset.id,
        path: 'a/b.jpg',
        blobKey: 'img:abc',
        sha256: 'abc',
        width: 4,
        height: 3,
        format: 'jpeg',
        bytes: 3,
      },
    });
    await t.db.skippedFile.create({
      data: { datasetId: dataset.id, path: 'x.jpg', reason: 'truncated image' },
    });
    await t.db.importTask.create({ data: { datasetId: dataset.id, kind: 'files', total: 1 } });
    const version = await t.db.datasetVersion.create({
      data: {
        datasetId: dataset.id,
        number: 1,
        labelling: { scheme: 'folder' },
        split: { validPct: 0.2, seed: 42 },
        classes: ['a'],
        counts: { train: { a: 1 } },
        items: { create: [{ fileId: file.id, labels: ['a'], split: 'train' }] },
      },
    });
    await t.db.urlCache.create({
      data: { url: 'http://x/y.zip', sha256: 'f'.repeat(64), blobKey: 'img:abc', size: 3n },
    });
    const loaded = await t.db.dataset.findUniqueOrThrow({
      where: { id: dataset.id },
      include: {
        files: true,
        skipped: true,
        imports: true,
        versions: { include: { items: true } },
      },
    });
    expect(loaded.files[0]).toMatchObject({ path: 'a/b.jpg', width: 4, height: 3 });
    expect(loaded.skipped[0]!.reason).toBe('truncated image');
    expect(loaded.imports[0]!.status).toBe('queued');
    expect(loaded.versions[0]!.id).toBe(version.id);
    expect(loaded.versions[0]!.classes).toEqual(['a']);
    expect(loaded.versions[0]!.items[0]).toMatchObject({ labels: ['a'], split: 'train' });
    expect(await t.db.urlCache.count()).toBe(1);
    await t.db.dataset.delete({ where: { id: dataset.id } });
    expect(await t.db.datasetVersionItem.count()).toBe(0);
  });
});

describe('the account and team tables match the schema', () => {
  it('round-trips people, sessions, teams, invitations, tokens and audit events', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const user = await t.db.user.create({
      data: {
        id: 'u1',
        name: 'Ada',
        email: 'ada@studio.test',
        sessions: { create: { id: 's1', token: 'tok', expiresAt } },
        accounts: {
          create: { id: 'a1', accountId: 'u1', providerId: 'credential', password: 'hash' },
        },
      },
    });
    await t.db.verification.create({
      data: { id: 'v1', identifier: 'x', value: 'y', expiresAt },
    });
    await t.db.rateLimit.create({
      data: { id: 'r1', key: '127.0.0.1|/sign-in/email', count: 1, lastRequest: 1n },
    });
    const team = await t.db.team.create({
      data: { name: 'lab', memberships: { create: { userId: user.id, role: 'owner' } } },
    });
    const token = await t.db.apiToken.create({
      data: {
        teamId: team.id,
        name: 'ci',
        scope: 'write',
        start: 'studio_abc',
        tokenHash: 'h',
        createdById: user.id,
      },
    });
    await t.db.invitation.create({
      data: { teamId: team.id, email: 'b@studio.test', role: 'viewer', tokenHash: 'i', expiresAt },
    });
    await t.db.auditEvent.create({
      data: {
        teamId: team.id,
        actorUserId: user.id,
        actorTokenId: token.id,
        action: 'token.create',
        targetType: 'token',
        targetId: token.id,
        detail: { scope: 'write' },
      },
    });
    const dataset = await t.db.dataset.create({
      data: { name: 'team photos', sourceKind: 'folder', teamId: team.id, createdById: user.id },
    });
    const loaded = await t.db.team.findUniqueOrThrow({
      where: { id: team.id },
      include: {
        memberships: { include: { user: { include: { sessions: true, accounts: true } } } },
        invitations: true,
        apiTokens: true,
        auditEvents: true,
        datasets: true,
      },
    });
    expect(loaded.memberships[0]!.role).toBe('owner');
    expect(loaded.memberships[0]!.user.sessions[0]!.token).toBe('tok');
    expect(loaded.memberships[0]!.user.accounts[0]!.password).toBe('hash');
    expect(loaded.invitations[0]!.role).toBe('viewer');
    expect(loaded.apiTokens[0]!.scope).toBe('write');
    expect(loaded.auditEvents[0]!.detail).toEqual({ scope: 'write' });
    expect(loaded.datasets[0]!.id).toBe(dataset.id);
    // Removing a person keeps the team's rows and history, without their name.
    await t.db.user.delete({ where: { id: user.id } });
    expect((await t.db.dataset.findUniqueOrThrow({ where: { id: dataset.id } })).createdById).toBe(
      null,
    );
    expect((await t.db.auditEvent.findFirstOrThrow()).actorUserId).toBe(null);
    expect(await t.db.session.count()).toBe(0);
  });
});

describe('PostgresBlobStore', () => {
  it('stores a multi-chunk blob once and streams it back', async () => {
    const store = new PostgresBlobStore(t.db);
    const bytes = new Uint8Array(BLOB_CHUNK_BYTES * 2 + 123).map((_, i) => (i * 31) % 251);
    await store.put('weights:1', bytes, 'application/octet-stream');
    await store.put('weights:1', new Uint8Array([9]), 'application/octet-stream');
    expect(await store.info('weights:1')).toEqual({
      key: 'weights:1',
      size: bytes.length,
      contentType: 'application/octet-stream',
    });
    expect(Buffer.compare(await store.get('weights:1'), Buffer.from(bytes))).toBe(0);
    const parts: Buffer[] = [];
    for await (const part of store.stream('weights:1')) parts.push(part as Buffer);
    expect(parts).toHaveLength(3);
    expect(Buffer.compare(Buffer.concat(parts), Buffer.from(bytes))).toBe(0);
    await store.delete('weights:1');
    expect(await store.has('weights:1')).toBe(false);
    await expect(store.get('weights:1')).rejects.toThrow(/does not exist/);
  });

  it('stores a stream in chunks and refuses one over its limit, storing nothing', async () => {
    const store = new PostgresBlobStore(t.db);
    const parts = Array.from({ length: 9 }, (_, i) => new Uint8Array(1024 * 1024).fill(i));
    async function* source() {
      yield* parts;
    }
    expect(await store.putStream('upload:1', source(), 'application/zip')).toBe(9 * 1024 * 1024);
    const back = await store.get('upload:1');
    expect(Buffer.compare(back, Buffer.concat(parts))).toBe(0);
    expect(await t.db.blobChunk.count({ where: { blobKey: 'upload:1' } })).toBe(3);
    await expect(
      store.putStream('upload:2', source(), 'application/zip', 5 * 1024 * 1024),
    ).rejects.toThrow(/larger than the limit/);
    expect(await store.has('upload:2')).toBe(false);
  });

  it('stores an empty blob', async () => {
    const store = new PostgresBlobStore(t.db);
    await store.put('empty', new Uint8Array(), 'text/plain');
    expect((await store.get('empty')).length).toBe(0);
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBlobStore } from '@studio/db';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { parseAllowedImportHosts } from '@studio/datasets';
import { makeImage, writeTar } from '@studio/datasets/test-helpers';
import { importArchive, PermanentImportError, type ImportContext } from './import-archive';

// Every server here listens on loopback: the addresses a URL import must never reach unless an
// administrator lists them. `mirror` plays an allowed internal mirror, `inside` and `inside6`
// services behind it that must stay out of reach.
let t: TestDatabase;
let ctx: ImportContext;
const servers: http.Server[] = [];
const hits: string[] = [];
let mirror = '';
let insidePort = 0;
let inside6Port = 0;
let archive: Buffer;

async function listen(host: string, name: string, routes: Record<string, string> = {}) {
  const server = http.createServer((req, res) => {
    hits.push(`${name}${req.url}`);
    const location = routes[req.url!];
    if (location) return res.writeHead(302, { location }).end();
    if (req.url === '/pets.tgz')
      return res.writeHead(200, { 'content-length': archive.length }).end(archive);
    res.writeHead(401).end('secret service');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  t = await createTestDatabase();
  archive = await writeTar(
    [{ name: 'pets/pug_1.jpg', data: await makeImage('jpeg', 40, 30, '#aa3300') }],
    { isGzipped: true },
  );
  insidePort = await listen('127.0.0.2', 'inside');
  inside6Port = await listen('::1', 'inside6');
  const mirrorPort = await listen('127.0.0.1', 'mirror', {
    '/moved': '/pets.tgz',
    '/to-inside': `http://127.0.0.2:${insidePort}/pets.tgz`,
    '/to-inside6': `http://[::1]:${inside6Port}/pets.tgz`,
    '/to-decimal': `http://2130706434:${insidePort}/pets.tgz`,
    '/to-file': 'file:///etc/passwd',
    '/loop': '/loop',
  });
  mirror = `http://127.0.0.1:${mirrorPort}`;
  ctx = {
    db: t.db,
    blobs: new PostgresBlobStore(t.db),
    log: () => undefined,
    maxArchiveBytes: 10 * 1024 * 1024,
  };
});

afterAll(async () => {
  for (const server of servers) server.close();
  await t?.drop();
});

/** Imports `url` and returns the task's error (null when it imported). */
async function importUrl(url: string, context: ImportContext = ctx): Promise<string | null> {
  const dataset = await t.db.dataset.create({ data: { name: 'url', sourceKind: 'url' } });
  const task = await t.db.importTask.create({
    data: { datasetId: dataset.id, kind: 'url', source: url },
  });
  await importArchive(context, { importTaskId: task.id }, { number: 1, of: 3 }).catch(
    (error: unknown) => {
      if (!(error instanceof PermanentImportError)) throw error;
    },
  );
  return (await t.db.importTask.findUniqueOrThrow({ where: { id: task.id } })).error;
}

const NOT_ALLOWED =
  /is not allowed \(address not allowed\): imports fetch only from public internet addresses/;

describe('a URL import by default', () => {
  it('refuses loopback in every spelling before connecting, and says nothing about the port', async () => {
    const port = new URL(mirror).port;
    const urls = [
      `${mirror}/pets.tgz`,
      `http://2130706433:${port}/pets.tgz`,
      `http://127.1:${port}/pets.tgz`,
      `http://0x7f.1:${port}/pets.tgz`,
      `http://0177.0.0.1:${port}/pets.tgz`,
      `http://0.0.0.0:${port}/pets.tgz`,
      `http://[::ffff:127.0.0.1]:${port}/pets.tgz`,
      `http://[::ffff:7f00:1]:${port}/pets.tgz`,
      `http://[::1]:${inside6Port}/pets.tgz`,
      `http://localhost:${port}/pets.tgz`,
      `http://localhost.:${port}/pets.tgz`,
    ];
    for (const url of urls)
      expect([url, await importUrl(url)]).toEqual([url, expect.stringMatching(NOT_ALLOWED)]);
    expect(hits).toEqual([]);
  });

  it('answers an open port, a closed one, Redis and Postgres with the same words', async () => {
    const errors = await Promise.all(
      [new URL(mirror).port, '9', '6379', '5432'].map((port) =>
        importUrl(`http://127.0.0.1:${port}/`),
      ),
    );
    expect(new Set(errors).size).toBe(1);
    expect(errors[0]).toMatch(NOT_ALLOWED);
    expect(errors[0]).not.toMatch(/refused|closed|HTTP|corrupt|6379|5432|:\d/);
    expect(hits).toEqual([]);
  });

  it('does not serve a cached download of an address it now refuses', async () => {
    const url = 'http://127.0.0.1:6379/';
    await ctx.blobs.put('archive:cached', archive, 'application/octet-stream');
    await t.db.urlCache.create({ data: { url, sha256: 'x', blobKey: 'archive:cached', size: 1n } });
    expect(await importUrl(url)).toMatch(NOT_ALLOWED);
  });
});

describe('a URL import with a listed internal mirror', () => {
  const withMirror = () => ({ ...ctx, allowedHosts: parseAllowedImportHosts('127.0.0.1') });

  it('imports from the mirror, following its own redirects', async () => {
    hits.length = 0;
    expect(await importUrl(`${mirror}/moved`, withMirror())).toBeNull();
    expect(hits).toEqual(['mirror/moved', 'mirror/pets.tgz']);
  });

  it('refuses a redirect to any other internal address, without naming it or connecting', async () => {
    hits.length = 0;
    for (const path of ['/to-inside', '/to-inside6', '/to-decimal']) {
      const error = await importUrl(`${mirror}${path}`, withMirror());
      expect(error).toMatch(
        /^The address a redirect leads to is not allowed \(address not allowed\)/,
      );
      expect(error).not.toMatch(/127\.0\.0\.2|::1|2130706434|secret/);
    }
    expect(hits).toEqual(['mirror/to-inside', 'mirror/to-inside6', 'mirror/to-decimal']);
  });

  it('stops after 5 redirects, and refuses a redirect to another scheme', async () => {
    hits.length = 0;
    expect(await importUrl(`${mirror}/loop`, withMirror())).toMatch(/redirected more than 5 times/);
    expect(hits.filter((hit) => hit === 'mirror/loop')).toHaveLength(6);
    expect(await importUrl(`${mirror}/to-file`, withMirror())).toMatch(
      /Only http\(s\) URLs can be imported; the server redirected elsewhere/,
    );
  });

  it('still refuses what is not listed', async () => {
    hits.length = 0;
    expect(await importUrl(`http://127.0.0.2:${insidePort}/pets.tgz`, withMirror())).toMatch(
      NOT_ALLOWED,
    );
    expect(hits).toEqual([]);
  });
});

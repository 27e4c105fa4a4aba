import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ArchitectureSpec, getArchitecture } from './architectures';
import { ChecksumMismatchError, type DownloadProgress, DownloadError } from './download';
import { ensureWeights } from './weights-cache';

// A real HTTP server on 127.0.0.1 serving a generated 3 MB "weight file".
const content = Buffer.alloc(3 * 1024 * 1024);
for (let i = 0, x = 12345; i < content.length; i++)
  content[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
const sha256 = createHash('sha256').update(content).digest('hex');

interface ServerMode {
  supportsRange: boolean;
  /** Drop the connection after this many bytes on the first request. */
  dropFirstAt?: number;
  /** Send at most this many bytes per request, then drop the connection. */
  dropEachAfter?: number;
  status?: number;
}

let server: Server;
let requests: Array<{ range: string | undefined }>;
let dir: string;

async function serve(mode: ServerMode): Promise<string> {
  server = createServer((req, res) => {
    requests.push({ range: req.headers.range });
    if (mode.status) return void res.writeHead(mode.status).end('nope');
    const match = mode.supportsRange ? /^bytes=(\d+)-$/.exec(req.headers.range ?? '') : null;
    const start = match ? Number(match[1]) : 0;
    const headers = {
      'Content-Length': String(content.length - start),
      'Accept-Ranges': mode.supportsRange ? 'bytes' : 'none',
    };
    if (match)
      res.writeHead(206, {
        ...headers,
        'Content-Range': `bytes ${start}-${content.length - 1}/${content.length}`,
      });
    else res.writeHead(200, headers);
    if (mode.dropFirstAt !== undefined && requests.length === 1) {
      // end(), not destroy(): the bytes written arrive whole before the connection closes early.
      res.write(content.subarray(start, mode.dropFirstAt), () => res.socket?.end());
    } else if (mode.dropEachAfter !== undefined) {
      const end = Math.min(start + mode.dropEachAfter, content.length);
      res.write(content.subarray(start, end), () => res.socket?.end());
    } else {
      res.end(content.subarray(start));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/resnet18/model.safetensors`;
}

function archAt(
  url: string,
  pin: { sha256: string | null; sizeBytes: number | null } = { sha256, sizeBytes: content.length },
): ArchitectureSpec {
  const base = getArchitecture('resnet18');
  return {
    ...base,
    weights: { kind: 'download', file: { url, fileName: 'test.safetensors', ...pin } },
  };
}

function expectMonotone(events: DownloadProgress[]): void {
  const received = events.map((e) => e.receivedBytes);
  expect(received).toEqual([...received].sort((a, b) => a - b));
  expect(events.at(-1)).toMatchObject({
    phase: 'done',
    receivedBytes: content.length,
    totalBytes: content.length,
  });
}

beforeEach(async () => {
  requests = [];
  dir = await mkdtemp(join(tmpdir(), 'weights-cache-'));
});
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('ensureWeights', () => {
  it('downloads once with monotone progress, then serves the verified cache', async () => {
    const arch = archAt(await serve({ supportsRange: true }));
    const events: DownloadProgress[] = [];
    const first = await ensureWeights(arch, { cacheDir: dir, onProgress: (p) => events.push(p) });
    expect(first).toMatchObject({
      source: 'download',
      sha256,
      sizeBytes: content.length,
      isPinned: true,
    });
    expect((await readFile(first.path)).equals(content)).toBe(true);
    expect(events.filter((e) => e.phase === 'downloading').length).toBeGreaterThan(1);
    expectMonotone(events);

    const second = await ensureWeights(arch, { cacheDir: dir });
    expect(second).toMatchObject({ source: 'cache', path: first.path });
    expect(requests).toHaveLength(1);
  });

  it('resumes with a Range request after the connection drops mid-way', async () => {
    const arch = archAt(await serve({ supportsRange: true, dropFirstAt: 1_000_000 }));
    const events: DownloadProgress[] = [];
    const result = await ensureWeights(arch, {
      cacheDir: dir,
      retryDelayMs: 10,
      onProgress: (p) => events.push(p),
    });
    // Resumes from what arrived before the drop (the kernel may discard some of the 1 MB in flight).
    expect(requests).toHaveLength(2);
    expect(requests[0]!.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1_000_000);
    expect((await readFile(result.path)).equals(content)).toBe(true);
    expect(new Set(events.map((e) => e.attempt))).toEqual(new Set([1, 2]));
    expectMonotone(events);
  });

  it('starts over cleanly when the server ignores Range', async () => {
    const arch = archAt(await serve({ supportsRange: false, dropFirstAt: 1_000_000 }));
    const events: DownloadProgress[] = [];
    const result = await ensureWeights(arch, {
      cacheDir: dir,
      retryDelayMs: 10,
      onProgress: (p) => events.push(p),
    });
    expect(requests[1]!.range).toMatch(/^bytes=\d+-$/); // asked to resume, got a 200 with everything
    expect((await readFile(result.path)).equals(content)).toBe(true);
    expectMonotone(events);
  });

  it('gives up after maxAttempts with a clear error, keeping the part so the next call resumes', async () => {
    const arch = archAt(await serve({ supportsRange: true, dropEachAfter: 1_200_000 }));
    const attempt = ensureWeights(arch, { cacheDir: dir, retryDelayMs: 10, maxAttempts: 2 });
    await expect(attempt).rejects.toThrow(DownloadError);
    await expect(attempt).rejects.toThrow(/failed after 2 attempts: .* Run again to resume\./);
    expect(existsSync(join(dir, 'test.safetensors.part'))).toBe(true);

    const result = await ensureWeights(arch, { cacheDir: dir, retryDelayMs: 10, maxAttempts: 10 });
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.slice(1).every((r) => r.range !== undefined)).toBe(true);
    expect((await readFile(result.path)).equals(content)).toBe(true);
  });

  it('rejects a checksum mismatch and deletes the bad download', async () => {
    const wrong = 'f'.repeat(64);
    const arch = archAt(await serve({ supportsRange: true }), { sha256: wrong, sizeBytes: null });
    const attempt = ensureWeights(arch, { cacheDir: dir });
    await expect(attempt).rejects.toThrow(ChecksumMismatchError);
    await expect(attempt).rejects.toThrow(`has sha256 ${sha256}, expected ${wrong}`);
    expect(existsSync(join(dir, 'test.safetensors'))).toBe(false);
    expect(existsSync(join(dir, 'test.safetensors.part'))).toBe(false);
  });

  it('reports an HTTP error without retrying it', async () => {
    const arch = archAt(await serve({ supportsRange: true, status: 404 }));
    await expect(ensureWeights(arch, { cacheDir: dir, retryDelayMs: 10 })).rejects.toThrow(
      DownloadError,
    );
    await expect(ensureWeights(arch, { cacheDir: dir, retryDelayMs: 10 })).rejects.toThrow(
      /HTTP 404/,
    );
    expect(requests).toHaveLength(2);
  });

  it('accepts the same file from disk offline, verified, and refuses (without deleting) a different one', async () => {
    const arch = archAt('http://127.0.0.1:9/unreachable');
    const good = join(dir, 'uploaded.safetensors');
    await writeFile(good, content);
    expect(await ensureWeights(arch, { cacheDir: dir, localFile: good })).toMatchObject({
      source: 'local',
      path: good,
      sha256,
    });

    const bad = join(dir, 'other.safetensors');
    await writeFile(bad, content.subarray(1));
    await expect(ensureWeights(arch, { cacheDir: dir, localFile: bad })).rejects.toThrow(
      ChecksumMismatchError,
    );
    expect(existsSync(bad)).toBe(true);
  });

  it('trusts an unpinned file on first download and checks it on every later use', async () => {
    const arch = archAt(await serve({ supportsRange: true }), { sha256: null, sizeBytes: null });
    const first = await ensureWeights(arch, { cacheDir: dir });
    expect(first).toMatchObject({ source: 'download', isPinned: false, sha256 });
    expect((await readFile(`${first.path}.sha256`, 'utf8')).trim()).toBe(sha256);

    await writeFile(first.path, Buffer.from('tampered'));
    const again = await ensureWeights(arch, { cacheDir: dir });
    expect(again.source).toBe('download'); // the damaged cache entry was replaced
    expect((await readFile(again.path)).equals(content)).toBe(true);
  });

  it('knows the real ResNet weight files on the Hugging Face hub', () => {
    for (const id of ['resnet18', 'resnet34', 'resnet50']) {
      const spec = getArchitecture(id);
      expect(spec.weights).toMatchObject({
        kind: 'download',
        file: { url: `https://huggingface.co/timm/${id}.tv_in1k/resolve/main/model.safetensors` },
      });
    }
  });
});

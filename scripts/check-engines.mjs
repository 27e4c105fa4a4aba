#!/usr/bin/env node
// Every installed package must accept every Node version the studio says it supports
// (package.json "engines"), so `npm ci` prints no EBADENGINE on a supported Node.
import { readFileSync } from 'node:fs';
import semver from 'semver';

const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const supported = root.engines?.node;
if (!supported) {
  console.error('check-engines: package.json states no "engines.node" range.');
  process.exit(1);
}
const refusing = [];
for (const [where, entry] of Object.entries(lock.packages ?? {})) {
  const wanted = typeof entry.engines === 'object' ? entry.engines?.node : undefined;
  if (!where || !wanted || entry.optional) continue;
  if (!semver.validRange(wanted)) continue;
  if (!semver.subset(supported, wanted))
    refusing.push(`${where.replace(/^.*node_modules\//, '')} wants node ${wanted}`);
}
if (refusing.length > 0) {
  console.error(
    `check-engines: ${refusing.length} packages refuse part of the supported range node ${supported}:\n  ${[...new Set(refusing)].join('\n  ')}\nNarrow "engines.node" in package.json or pick versions that accept it.`,
  );
  process.exit(1);
}
const running = process.versions.node;
console.log(
  `check-engines: every package accepts node ${supported}` +
    (semver.satisfies(running, supported)
      ? ''
      : `; this machine runs ${running}, outside that range`),
);

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The development machines have no Docker engine, so the compose file is checked as text.
const compose = readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');

/** Each service of the compose file with the lines of its definition. */
function services(): Map<string, string> {
  const block = compose.slice(compose.indexOf('\nservices:\n'), compose.indexOf('\nvolumes:\n'));
  const found = new Map<string, string>();
  for (const part of block.split(/\n(?= {2}[a-z][\w-]*:\n)/).slice(1)) {
    found.set(/^ {2}([\w-]+):/.exec(part)![1]!, part);
  }
  return found;
}

describe('docker-compose.yml', () => {
  it('restarts every long-running service unless it was stopped on purpose', () => {
    const defined = services();
    expect([...defined.keys()].sort()).toEqual(
      ['migrate', 'postgres', 'redis', 'web', 'worker', 'worker-cpu'].sort(),
    );
    for (const [name, definition] of defined) {
      expect(/^ {4}restart: (.+)$/m.exec(definition)?.[1], `restart policy of ${name}`).toBe(
        name === 'migrate' ? "'no'" : 'unless-stopped',
      );
    }
  });
});

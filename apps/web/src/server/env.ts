import 'server-only';
import { readEnv, type StudioEnv } from '@studio/shared';

let cached: StudioEnv | undefined;

export function env(): StudioEnv {
  cached ??= readEnv();
  return cached;
}

import { ARCHS, createRunRequest } from '@studio/shared';
import { expect, it } from 'vitest';
import { ARCHITECTURES } from './architectures';

it('offers through the API exactly the architectures the learner can build', () => {
  expect([...ARCHS].sort()).toEqual(Object.keys(ARCHITECTURES).sort());
  const request = { versionId: '00000000-0000-4000-8000-000000000000', name: 'r', config: {} };
  expect(createRunRequest.safeParse({ ...request, arch: 'mobilenet_v2_1.0' }).success).toBe(true);
  expect(createRunRequest.safeParse({ ...request, arch: 'mobilenet_v2_2.0' }).success).toBe(false);
});

it('splits every offline MobileNetV2 into body groups before the head and says where', () => {
  const full = ARCHITECTURES['mobilenet_v2_1.0'];
  expect(full.weights).toEqual({ kind: 'offline', dirName: 'mobilenet-v2-1.0-imagenet' });
  expect(full.groupStarts).toEqual(['conv_13', 'conv_25']);
  expect(full.groupsDescription).toMatch(/conv_13.*conv_25.*head/);
});

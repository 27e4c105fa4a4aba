'use client';

import { useState } from 'react';
import { Alert, Stack, Text, Title } from '@mantine/core';
import { useViewer } from '@/components/viewer-context';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { UploadedBackboneSummary } from '@studio/shared';
import { EmptyState } from '@/components/empty-state';
import { BackboneTable } from './backbone-table';
import { BackboneUpload } from './backbone-upload';

/** /backbones: a person's own pretrained networks, to pick as a run's architecture. */
export function BackbonesView({ initial }: { initial: UploadedBackboneSummary[] }) {
  const [backbones, setBackbones] = useState(initial);
  const { canWrite } = useViewer();
  const [problem, setProblem] = useState<string | null>(null);

  async function remove(backbone: UploadedBackboneSummary) {
    setProblem(null);
    const response = await fetch(`/api/backbones/${backbone.id}`, { method: 'DELETE' });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      setProblem(body.error ?? `Could not delete ${backbone.name} (HTTP ${response.status}).`);
      return;
    }
    setBackbones((list) => list.filter((b) => b.id !== backbone.id));
    notifications.show({ color: 'teal', message: `Deleted ${backbone.name}` });
  }

  return (
    <Stack gap="lg" maw={1100}>
      <div>
        <Title order={1} size="h2">
          Backbones
        </Title>
        <Text c="dimmed">
          Pretrained networks of your own, next to the built-in ResNets, MobileNetV2 and
          DarkNet-tiny. A new run can start from any of them: the studio cuts the network at its
          last feature map and adds fastai&apos;s head (cnn_learner with your own body).
        </Text>
      </div>
      {canWrite && <BackboneUpload onUploaded={(b) => setBackbones((list) => [b, ...list])} />}
      {problem && (
        <Alert color="red" icon={<IconAlertTriangle />} role="alert">
          {problem}
        </Alert>
      )}
      {backbones.length === 0 ? (
        <EmptyState
          title="No uploaded backbones yet"
          description="Upload a TensorFlow.js LayersModel folder: model.json plus its group*-shard*.bin weight files, e.g. the output of tensorflowjs_converter --output_format=tfjs_layers_model for a Keras CNN. It needs a 3-channel image input."
        />
      ) : (
        <BackboneTable backbones={backbones} onDelete={remove} />
      )}
    </Stack>
  );
}

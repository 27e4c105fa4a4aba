'use client';

import { useEffect, useState } from 'react';
import {
  Alert,
  Grid,
  Group,
  Image,
  Loader,
  Progress,
  Stack,
  Switch,
  Table,
  Text,
} from '@mantine/core';
import { IMAGE_MIME_TYPE } from '@mantine/dropzone';
import { DropArea } from '../drop-area';
import { IconAlertTriangle, IconPhotoUp } from '@tabler/icons-react';
import { WebcamCapture } from './webcam-capture';

interface PredictionRow {
  label: string;
  index: number;
  prob: number;
}

/**
 * learn.predict(img) in the browser: drop a photo or take one with the camera, the worker runs
 * the exported model on it.
 */
export function PredictPanel({ stageId }: { stageId: string }) {
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<{ predictions: PredictionRow[]; ms: number } | null>(null);
  const [tta, setTta] = useState(false);
  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);

  const predict = async (file: File) => {
    setPreview(URL.createObjectURL(file));
    setBusy(true);
    setError(null);
    setResult(null);
    const response = await fetch(`/api/stages/${stageId}/predict?topK=5&tta=${tta ? 1 : 0}`, {
      method: 'POST',
      headers: { 'Content-Type': file.type || 'application/octet-stream' },
      body: file,
    }).catch(() => null);
    setBusy(false);
    if (!response) {
      setError('The studio did not answer. Check your connection and try again.');
      return;
    }
    const body = (await response.json().catch(() => ({}))) as {
      error?: string;
      predictions?: PredictionRow[];
      ms?: number;
    };
    if (!response.ok || !body.predictions) {
      setError(body.error ?? `HTTP ${response.status}`);
      return;
    }
    setResult({ predictions: body.predictions, ms: body.ms ?? 0 });
  };

  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Stack>
          <DropArea
            onDrop={(files) => files[0] && void predict(files[0])}
            onReject={() =>
              setError('That file is not an image (JPEG, PNG, WebP, GIF, AVIF, TIFF).')
            }
            accept={IMAGE_MIME_TYPE}
            multiple={false}
            maxSize={10 * 1024 * 1024}
            loading={busy}
            aria-label="Drop a photo to classify"
            icon={IconPhotoUp}
            title="Drop a photo to classify"
            description="It goes through the same resize and normalisation as the validation set. Up to 10 MB."
          />
          <WebcamCapture onPhoto={(photo) => void predict(photo)} isBusy={busy} />
          <Switch
            checked={tta}
            onChange={(e) => setTta(e.currentTarget.checked)}
            label="Test-time augmentation (fastai's TTA: average with flipped and zoomed views; slower)"
          />
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Stack>
          {preview && (
            <Image src={preview} alt="The photo being classified" mah={200} fit="contain" />
          )}
          {busy && (
            <Group gap="xs" aria-live="polite">
              <Loader size="sm" />
              <Text size="sm">The worker is running the model…</Text>
            </Group>
          )}
          {error && (
            <Alert
              color="red"
              icon={<IconAlertTriangle />}
              title="Could not classify the photo"
              role="alert"
            >
              {error}
            </Alert>
          )}
          {result && (
            <Table aria-label="Predictions" data-testid="predictions" withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>class</Table.Th>
                  <Table.Th>probability</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.predictions.map((p, i) => (
                  <Table.Tr key={p.index}>
                    <Table.Td fw={i === 0 ? 700 : undefined}>{p.label}</Table.Td>
                    <Table.Td w="60%">
                      <Group gap="xs" wrap="nowrap">
                        <Progress value={p.prob * 100} style={{ flex: 1 }} aria-hidden />
                        <Text size="sm" ff="monospace" w={64} ta="right">
                          {(p.prob * 100).toFixed(1)}%
                        </Text>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
              <Table.Caption>Answered in {Math.round(result.ms)} ms by the worker.</Table.Caption>
            </Table>
          )}
          {!preview && !error && (
            <Text c="dimmed" size="sm">
              The top five classes and their probabilities appear here.
            </Text>
          )}
        </Stack>
      </Grid.Col>
    </Grid>
  );
}

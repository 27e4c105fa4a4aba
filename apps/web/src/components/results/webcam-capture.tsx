'use client';

import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Group, Stack } from '@mantine/core';
import { IconCamera, IconCameraOff, IconCapture } from '@tabler/icons-react';

function cameraProblem(error: unknown): string {
  const name = (error as DOMException)?.name;
  if (name === 'NotAllowedError')
    return 'The browser was not allowed to use the camera. Allow it in the address bar and try again.';
  if (name === 'NotFoundError') return 'No camera was found on this device.';
  return `The camera could not start: ${(error as Error)?.message ?? String(error)}`;
}

/**
 * Teachable Machine's webcam input: the browser's camera (it asks for permission), a live view,
 * and "Take photo", which hands a JPEG of the current frame to `onPhoto`.
 */
export function WebcamCapture({
  onPhoto,
  isBusy,
}: {
  onPhoto: (photo: File) => void;
  isBusy: boolean;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => () => stream?.getTracks().forEach((t) => t.stop()), [stream]);
  useEffect(() => {
    if (video.current && stream) video.current.srcObject = stream;
  }, [stream]);

  const start = async () => {
    setProblem(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setProblem(
        'This page has no camera access: browsers allow it only over https or on localhost.',
      );
      return;
    }
    try {
      setStream(await navigator.mediaDevices.getUserMedia({ video: true, audio: false }));
    } catch (error) {
      setProblem(cameraProblem(error));
    }
  };
  const stop = () => setStream(null);
  const take = () => {
    const v = video.current;
    if (!v || v.videoWidth === 0) return;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    canvas.toBlob(
      (blob) => blob && onPhoto(new File([blob], 'webcam.jpg', { type: 'image/jpeg' })),
      'image/jpeg',
      0.92,
    );
  };

  return (
    <Stack gap="xs">
      {stream ? (
        <>
          <video
            ref={video}
            autoPlay
            muted
            playsInline
            aria-label="Camera view"
            style={{ width: '100%', maxHeight: 240, background: 'black', borderRadius: 4 }}
          />
          <Group>
            <Button leftSection={<IconCapture size={16} />} onClick={take} loading={isBusy}>
              Take photo
            </Button>
            <Button variant="default" leftSection={<IconCameraOff size={16} />} onClick={stop}>
              Stop the camera
            </Button>
          </Group>
        </>
      ) : (
        <Group>
          <Button variant="default" leftSection={<IconCamera size={16} />} onClick={start}>
            Use the camera
          </Button>
        </Group>
      )}
      {problem && (
        <Alert color="orange" role="alert">
          {problem}
        </Alert>
      )}
    </Stack>
  );
}

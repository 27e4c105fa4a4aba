'use client';

import { useEffect, useState } from 'react';
import {
  Anchor,
  Breadcrumbs,
  Button,
  Card,
  Group,
  Image,
  Loader,
  SimpleGrid,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { IconFolder } from '@tabler/icons-react';
import { EmptyState } from '../empty-state';

interface Listing {
  dir: string;
  folders: { name: string; path: string; files: number }[];
  files: {
    id: string;
    name: string;
    width: number;
    height: number;
    format: string;
    bytes: number;
  }[];
  totalFiles: number;
}

const PAGE = 200;

/** `path.ls()` in the browser: folders with image counts, then thumbnails with their sizes. */
export function FolderBrowser({ datasetId, total }: { datasetId: string; total: number }) {
  const [dir, setDir] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let isActive = true;
    fetch(`/api/datasets/${datasetId}/ls?dir=${encodeURIComponent(dir)}&limit=${limit}`)
      .then(async (r) => {
        const body = await r.json();
        if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
        if (isActive) setListing(body as Listing);
      })
      .catch((e: Error) => isActive && setError(e.message));
    return () => {
      isActive = false;
    };
    // `total` changes when an import finishes (the page refreshes): the listing is read again.
  }, [datasetId, dir, limit, total]);

  if (total === 0) {
    return (
      <EmptyState
        title="No images yet"
        description="Images appear here once an import finishes. If an import failed, the reason is shown above and under Skipped."
      />
    );
  }
  if (error) return <Text c="red">{error}</Text>;
  if (!listing) return <Loader aria-label="Loading folder" />;
  const parts = listing.dir ? listing.dir.split('/') : [];
  return (
    <Stack>
      <Breadcrumbs aria-label="Folder">
        <Anchor component="button" onClick={() => setDir('')}>
          {'root'}
        </Anchor>
        {parts.map((part, i) => (
          <Anchor
            component="button"
            key={i}
            onClick={() => setDir(parts.slice(0, i + 1).join('/'))}
          >
            {part}
          </Anchor>
        ))}
      </Breadcrumbs>
      <Text size="sm" c="dimmed">
        {listing.totalFiles.toLocaleString('en')} images under this folder
      </Text>
      {listing.folders.length > 0 && (
        <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} spacing="sm">
          {listing.folders.map((f) => (
            <UnstyledButton
              key={f.path}
              onClick={() => {
                setLimit(PAGE);
                setDir(f.path);
              }}
              aria-label={`Open folder ${f.name} (${f.files} images)`}
            >
              <Card padding="sm">
                <Group gap="xs" wrap="nowrap">
                  <IconFolder size={20} aria-hidden />
                  <div style={{ minWidth: 0 }}>
                    <Text fw={600} truncate>
                      {f.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {f.files.toLocaleString('en')} images
                    </Text>
                  </div>
                </Group>
              </Card>
            </UnstyledButton>
          ))}
        </SimpleGrid>
      )}
      {listing.files.length > 0 && (
        <SimpleGrid cols={{ base: 3, sm: 5, md: 8 }} spacing="sm">
          {listing.files.map((f) => (
            <Card key={f.id} padding={4}>
              <Image
                src={`/api/files/${f.id}?size=thumb`}
                alt={f.name}
                h={96}
                fit="contain"
                loading="lazy"
              />
              <Text size="xs" truncate title={f.name}>
                {f.name}
              </Text>
              <Text size="xs" c="dimmed">
                {f.width}×{f.height} · {f.format}
              </Text>
            </Card>
          ))}
        </SimpleGrid>
      )}
      {listing.files.length >= limit && (
        <Button variant="default" onClick={() => setLimit(limit + PAGE)} maw={240}>
          Show {PAGE} more
        </Button>
      )}
    </Stack>
  );
}

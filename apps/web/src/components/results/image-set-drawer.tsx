'use client';

import { Drawer, Group, Image, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import type { RankedItem } from '@/server/interpretation';
import { ImageCard } from './image-card';
import { MarkableCard } from './markable-card';
import type { Marks, SetMark } from './marks';

export interface ImageSet {
  title: string;
  items: RankedItem[];
  /** One opened image, shown large with its numbers; a cell or pair is always a grid. */
  isDetail?: boolean;
}

/** The images behind a confusion cell, a confused pair or a single top loss. */
export function ImageSetDrawer({
  set,
  classes,
  onClose,
  marking,
}: {
  set: ImageSet | null;
  classes: string[];
  onClose: () => void;
  /** For members who may write: mark images to relabel or exclude. */
  marking?: { marks: Marks; onMark: SetMark };
}) {
  const single = set?.isDetail && set.items.length === 1 ? set.items[0]! : null;
  return (
    <Drawer
      opened={set !== null}
      onClose={onClose}
      position="right"
      size={single ? 'md' : 'xl'}
      title={set?.title}
    >
      {single ? (
        <Stack>
          <Image
            src={`/api/files/${single.fileId}`}
            alt={`Validation image: actual ${classes[single.actual]}, predicted ${classes[single.predicted]}`}
            fit="contain"
            mah={420}
            bg="gray.1"
          />
          <Table aria-label="Prediction details" withTableBorder>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th>Predicted</Table.Th>
                <Table.Td>
                  {classes[single.predicted]} (probability {single.probPredicted.toFixed(4)})
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Actual</Table.Th>
                <Table.Td>
                  {classes[single.actual]} (probability {single.probActual.toFixed(4)})
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Loss</Table.Th>
                <Table.Td>{single.loss.toFixed(4)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Stack>
      ) : set && set.items.length > 0 ? (
        <Stack>
          <Text size="sm" c="dimmed">
            {set.items.length} image{set.items.length === 1 ? '' : 's'}, largest loss first. Each
            caption reads prediction / actual, then loss / probability of the actual class.
          </Text>
          <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="sm" data-mark-grid>
            {set.items.map((item) =>
              marking ? (
                <MarkableCard
                  key={item.fileId}
                  item={item}
                  classes={classes}
                  mark={marking.marks.get(item.fileId)}
                  onMark={marking.onMark}
                />
              ) : (
                <ImageCard key={item.fileId} item={item} classes={classes} />
              ),
            )}
          </SimpleGrid>
        </Stack>
      ) : (
        <Group>
          <Text c="dimmed">No images in this cell.</Text>
        </Group>
      )}
    </Drawer>
  );
}

'use client';

import type { KeyboardEvent } from 'react';
import { Button, Card, Group, Image, Select, Stack, Text, UnstyledButton } from '@mantine/core';
import type { RankedItem } from '@/server/interpretation';
import { neighbourCard, type Mark, type SetMark } from './marks';

/** The key that relabels to the class at `index`, for the first nine classes. */
const keyOf = (index: number) => (index < 9 ? String(index + 1) : null);

/**
 * A top-loss image a member can mark, as fastai's ImageCleaner: relabel to another class or
 * exclude, one click or key each (1–9 relabel to that class, X excludes, U clears), the
 * arrow keys moving through the grid.
 */
export function MarkableCard({
  item,
  classes,
  mark,
  onMark,
  onOpen,
}: {
  item: RankedItem;
  classes: string[];
  mark: Mark | undefined;
  onMark: SetMark;
  onOpen?: (item: RankedItem) => void;
}) {
  const predicted = classes[item.predicted]!;
  const actual = classes[item.actual]!;
  const caption = `predicted ${predicted}, actual ${actual}, loss ${item.loss.toFixed(2)}`;
  const state =
    mark?.action === 'exclude'
      ? 'marked: exclude'
      : mark
        ? `marked: relabel to ${mark.label}`
        : 'not marked';
  const relabel = (label: string | null) =>
    onMark(item.fileId, label && label !== actual ? { action: 'relabel', label } : null);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) return; // keys typed into the Select stay there
    const key = event.key.toLowerCase();
    const next = neighbourCard(event.currentTarget, event.key);
    if (next) {
      event.preventDefault();
      next.focus();
    } else if (key === 'x' || key === 'delete') {
      onMark(item.fileId, mark?.action === 'exclude' ? null : { action: 'exclude' });
    } else if (key === 'u' || key === 'backspace') {
      onMark(item.fileId, null);
    } else if (/^[1-9]$/.test(key) && classes[Number(key) - 1] !== undefined) {
      relabel(classes[Number(key) - 1]!);
    } else if (key === 'enter' && onOpen) {
      onOpen(item);
    } else return;
    event.preventDefault();
  };
  return (
    <Card
      padding="xs"
      withBorder
      data-mark-card
      data-testid="result-image"
      tabIndex={0}
      role="group"
      aria-label={`${caption}; ${state}`}
      onKeyDown={onKeyDown}
      style={{
        borderColor: mark ? 'var(--mantine-color-orange-6)' : undefined,
        borderWidth: mark ? 2 : undefined,
      }}
    >
      <Card.Section>
        <UnstyledButton
          onClick={() => onOpen?.(item)}
          aria-label={`Open image: ${caption}`}
          tabIndex={-1}
          w="100%"
        >
          <Image
            src={`/api/files/${item.fileId}?size=thumb`}
            alt={caption}
            h={128}
            fit="contain"
            bg="gray.1"
            style={{ opacity: mark?.action === 'exclude' ? 0.35 : 1 }}
          />
        </UnstyledButton>
      </Card.Section>
      <Stack gap={4} mt={6}>
        <div>
          <Text
            fz="xs"
            ff="monospace"
            c={item.predicted !== item.actual ? 'red.8' : 'teal.8'}
            truncate
          >
            {predicted} / {actual}
          </Text>
          <Text fz="xs" ff="monospace" c="dimmed">
            {item.loss.toFixed(2)} / {item.probActual.toFixed(2)}
          </Text>
        </div>
        <Select
          size="xs"
          aria-label={`Relabel the image labelled ${actual} to`}
          placeholder="Relabel to…"
          data={classes.map((c, i) => ({
            value: c,
            label: keyOf(i) ? `${keyOf(i)} · ${c}` : c,
            disabled: c === actual,
          }))}
          value={mark?.action === 'relabel' ? mark.label : null}
          onChange={relabel}
          clearable
          searchable
        />
        <Group gap={4} wrap="nowrap">
          <Button
            size="compact-xs"
            variant={mark?.action === 'exclude' ? 'filled' : 'default'}
            color="orange"
            aria-pressed={mark?.action === 'exclude'}
            onClick={() =>
              onMark(item.fileId, mark?.action === 'exclude' ? null : { action: 'exclude' })
            }
          >
            Exclude
          </Button>
          {mark && (
            <Text fz="xs" c="orange.8" truncate>
              {mark.action === 'exclude' ? 'excluded' : `→ ${mark.label}`}
            </Text>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

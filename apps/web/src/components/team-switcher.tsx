'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Select } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { ViewerInfo } from './viewer-context';

/** The active team: everything the studio shows belongs to it. */
export function TeamSwitcher({ viewer }: { viewer: ViewerInfo }) {
  const router = useRouter();
  const [isSwitching, setSwitching] = useState(false);
  const switchTo = async (teamId: string | null) => {
    if (!teamId || teamId === viewer.teamId) return;
    setSwitching(true);
    const response = await fetch('/api/team/active', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ teamId }),
    }).catch(() => null);
    setSwitching(false);
    if (!response?.ok) {
      notifications.show({
        color: 'red',
        title: 'Could not switch team',
        message: response
          ? `The studio answered ${response.status}.`
          : 'The studio did not answer.',
      });
      return;
    }
    router.push('/runs');
    router.refresh();
  };
  return (
    <Select
      aria-label="Active team"
      size="xs"
      w={220}
      data={viewer.teams.map((t) => ({ value: t.id, label: `${t.name} · ${t.role}` }))}
      value={viewer.teamId}
      onChange={switchTo}
      disabled={isSwitching}
      allowDeselect={false}
      checkIconPosition="right"
    />
  );
}

'use client';

import Link from 'next/link';
import { Avatar, Menu, UnstyledButton } from '@mantine/core';
import { IconDevicesOff, IconLogout, IconUsersGroup } from '@tabler/icons-react';
import { useSignOut } from './auth/use-sign-out';
import type { ViewerInfo } from './viewer-context';

const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();

export function UserMenu({ viewer }: { viewer: ViewerInfo }) {
  const signOut = useSignOut();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={`Account of ${viewer.user.name}`}>
          <Avatar size="sm" color="indigo" radius="xl">
            {initials(viewer.user.name)}
          </Avatar>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {viewer.user.name} · {viewer.user.email}
        </Menu.Label>
        <Menu.Item component={Link} href="/team" leftSection={<IconUsersGroup size={16} />}>
          Team and API tokens
        </Menu.Item>
        <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => signOut()}>
          Sign out
        </Menu.Item>
        <Menu.Item
          leftSection={<IconDevicesOff size={16} />}
          onClick={() => signOut({ isEverywhere: true })}
        >
          Sign out everywhere
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

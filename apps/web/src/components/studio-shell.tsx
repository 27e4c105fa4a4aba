'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { AppShell, Burger, Group, NavLink, Text, ThemeIcon } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBrain,
  IconChartLine,
  IconListDetails,
  IconPhoto,
  IconStack2,
  IconUsersGroup,
} from '@tabler/icons-react';
import { canManage } from '@/lib/roles';
import { HealthBadge } from './health-badge';
import { TeamSwitcher } from './team-switcher';
import { UserMenu } from './user-menu';
import { ViewerProvider, type ViewerInfo } from './viewer-context';

const NAV = [
  { href: '/datasets', label: 'Datasets', icon: IconPhoto },
  { href: '/runs', label: 'Runs', icon: IconChartLine },
  { href: '/backbones', label: 'Backbones', icon: IconStack2 },
  { href: '/team', label: 'Team', icon: IconUsersGroup },
];

const MANAGE_NAV = [{ href: '/audit', label: 'Audit', icon: IconListDetails }];

/** The frame of every page; without a signed-in person (sign-in, setup, invitations) no navigation. */
export function StudioShell({
  viewer,
  children,
}: {
  viewer: ViewerInfo | null;
  children: ReactNode;
}) {
  const pathname = usePathname();
  // On a phone the navigation is a menu behind the burger, closed until asked for.
  const [isNavOpen, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  const nav = viewer ? [...NAV, ...(canManage(viewer.role) ? MANAGE_NAV : [])] : [];
  return (
    <ViewerProvider viewer={viewer}>
      <AppShell
        header={{ height: 56 }}
        navbar={
          viewer ? { width: 220, breakpoint: 'sm', collapsed: { mobile: !isNavOpen } } : undefined
        }
        padding="lg"
      >
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <AppShell.Header>
          <Group h="100%" px="lg" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              {viewer && (
                <Burger
                  opened={isNavOpen}
                  onClick={toggleNav}
                  hiddenFrom="sm"
                  size="sm"
                  aria-label={isNavOpen ? 'Close the menu' : 'Open the menu'}
                />
              )}
              <Link
                href="/"
                aria-label="Studio home"
                style={{ textDecoration: 'none', color: 'inherit' }}
              >
                <Group gap="xs">
                  <ThemeIcon
                    variant="gradient"
                    gradient={{ from: 'indigo', to: 'cyan' }}
                    size="md"
                    aria-hidden
                  >
                    <IconBrain size={18} />
                  </ThemeIcon>
                  <Text fw={700} size="lg">
                    Studio
                  </Text>
                </Group>
              </Link>
            </Group>
            <Group gap="sm" wrap="nowrap">
              {viewer && (
                <Group visibleFrom="sm">
                  <TeamSwitcher viewer={viewer} />
                </Group>
              )}
              <Group visibleFrom="sm">
                <HealthBadge />
              </Group>
              {viewer && <UserMenu viewer={viewer} />}
            </Group>
          </Group>
        </AppShell.Header>
        {viewer && (
          <AppShell.Navbar p="sm" aria-label="Main">
            <Group hiddenFrom="sm" mb="sm">
              <TeamSwitcher viewer={viewer} />
            </Group>
            {nav.map((item) => (
              <NavLink
                key={item.href}
                component={Link}
                href={item.href}
                label={item.label}
                leftSection={<item.icon size={18} aria-hidden />}
                active={pathname.startsWith(item.href)}
                onClick={closeNav}
              />
            ))}
          </AppShell.Navbar>
        )}
        <AppShell.Main id="main">{children}</AppShell.Main>
      </AppShell>
    </ViewerProvider>
  );
}

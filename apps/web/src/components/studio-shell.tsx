'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { AppShell, Group, NavLink, Text, ThemeIcon } from '@mantine/core';
import { IconBrain, IconChartLine, IconPhoto, IconStack2 } from '@tabler/icons-react';
import { HealthBadge } from './health-badge';

const NAV = [
  { href: '/datasets', label: 'Datasets', icon: IconPhoto },
  { href: '/runs', label: 'Runs', icon: IconChartLine },
  { href: '/backbones', label: 'Backbones', icon: IconStack2 },
];

export function StudioShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm' }} padding="lg">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="lg" justify="space-between">
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
          <HealthBadge />
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main">
        {NAV.map((item) => (
          <NavLink
            key={item.href}
            component={Link}
            href={item.href}
            label={item.label}
            leftSection={<item.icon size={18} aria-hidden />}
            active={pathname.startsWith(item.href)}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main">{children}</AppShell.Main>
    </AppShell>
  );
}

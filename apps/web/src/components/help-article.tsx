import type { ReactNode } from 'react';
import { Code, Paper, Text, Title, Typography } from '@mantine/core';
import Markdown from 'react-markdown';
import { headingSlug } from '@/lib/heading-slug';

function textOf(node: ReactNode): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (node && typeof node === 'object' && 'props' in node)
    return textOf((node.props as { children?: ReactNode }).children);
  return '';
}

/** A document of `docs/`, in the studio's typography, each section addressable by its anchor. */
export function HelpArticle({ markdown }: { markdown: string }) {
  return (
    <Paper maw={820} p="lg" withBorder>
      <Typography>
        <Markdown
          components={{
            h1: ({ children }) => (
              <Title order={1} size="h2" mb="md">
                {children}
              </Title>
            ),
            h2: ({ children }) => (
              <Title order={2} size="h4" mt="lg" id={headingSlug(textOf(children))}>
                {children}
              </Title>
            ),
            p: ({ children }) => <Text my="sm">{children}</Text>,
            code: ({ children }) => <Code>{children}</Code>,
          }}
        >
          {markdown}
        </Markdown>
      </Typography>
    </Paper>
  );
}

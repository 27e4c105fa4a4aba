import Link from 'next/link';
import { Anchor } from '@mantine/core';
import { headingSlug } from '@/lib/heading-slug';
import { CONFIG_DOCS, CONFIG_MORE } from './config-docs';

/** A setting's one or two sentences, with a link to its section of the run settings' doc. */
export function SettingHelp({
  setting,
  extra,
}: {
  setting: keyof typeof CONFIG_DOCS;
  /** Said after the help, before the link (e.g. the version's image count). */
  extra?: string;
}) {
  const heading = CONFIG_MORE[setting];
  return (
    <>
      {CONFIG_DOCS[setting]}
      {extra ? ` ${extra}` : ''}
      {heading && (
        <>
          {' '}
          <Anchor
            component={Link}
            href={`/help/run-settings#${headingSlug(heading)}`}
            target="_blank"
            inherit
            aria-label="More in the run settings guide (opens in a new tab)"
          >
            More
          </Anchor>
        </>
      )}
    </>
  );
}
